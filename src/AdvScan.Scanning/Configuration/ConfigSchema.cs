using System.Text.Json;
using System.Text.Json.Nodes;
using AdvScan.Attacks;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Checks;

namespace AdvScan.Scanning.Configuration;

/// <summary>
/// Writes <c>advscan.schema.json</c> from a <see cref="ScanRegistry"/>: one definition per registered attack (its
/// norms, default norm, defaults and the keys it reads) and per check (its <see cref="ConfigKey"/>s), and the gate
/// metrics the registry knows. The file shipped beside the CLI is this output for the CLI's registrations
/// (`advscan schema --out src/AdvScan.Scanning/advscan.schema.json`), and a test keeps the two equal.
/// </summary>
public static class ConfigSchema
{
    public static string Write(ScanRegistry registry)
    {
        var attackRefs = new JsonArray();
        var checkRefs = new JsonArray();
        var definitions = new JsonObject { ["fraction"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 } };
        foreach (var attack in registry.Attacks.OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            definitions["attack-" + attack.Name] = Attack(attack);
            attackRefs.Add(Ref("attack-" + attack.Name));
        }
        foreach (var check in registry.Checks.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            definitions["check-" + check.Name] = Check(check, "check");
            checkRefs.Add(Ref("check-" + check.Name));
            if (!check.ConfiguredAsAttack) continue;
            definitions["attack-" + check.Name] = Check(check, "attack");
            attackRefs.Add(Ref("attack-" + check.Name));
        }
        definitions["gate"] = Gate(registry);

        var root = new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["$id"] = "https://advscan.dev/schemas/advscan.schema.json",
            ["title"] = "AdvScan scan configuration (advscan.json)",
            ["description"] = "What `advscan scan` and the AdvScan.MSBuild gate run: a model, evaluation data, attacks, checks and the gates the results must meet. Paths are relative to this file. Written by `advscan schema` from the registered attacks and checks.",
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["required"] = new JsonArray("model", "data"),
            ["properties"] = new JsonObject
            {
                ["$schema"] = new JsonObject { ["type"] = "string" },
                ["model"] = Text("The ONNX image classifier to scan."),
                ["data"] = new JsonObject
                {
                    ["description"] = "Evaluation data: an image folder (one folder per class), a CSV manifest, .npz, .npy or an IDX images file; or an object with the images and a separate labels file (.npy or IDX). Manifest rows and class-folder entries must resolve, links followed, inside the data root: the manifest's folder or the image folder itself, unless \"root\" names a wider one.",
                    ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string", ["minLength"] = 1 }, new JsonObject
                    {
                        ["type"] = "object", ["additionalProperties"] = false, ["required"] = new JsonArray("path"),
                        ["properties"] = new JsonObject
                        {
                            ["path"] = Text(null),
                            ["labels"] = Text(null),
                            ["root"] = Text("The data root: a folder every manifest row and class-folder entry must resolve inside, links followed (default: the manifest's folder, or the image folder itself). Widen it to let a manifest name images elsewhere; anything outside it is refused before it is opened."),
                        },
                    }),
                },
                ["spec"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = "How pixels reach the model. Omitted fields come from the model's advscan.* metadata or its input shape.",
                    ["additionalProperties"] = false,
                    ["properties"] = new JsonObject
                    {
                        ["layout"] = Enum(null, "nchw", "nhwc"),
                        ["channelOrder"] = Enum(null, "rgb", "bgr"),
                        ["scale"] = new JsonObject { ["enum"] = new JsonArray(1, 255), ["description"] = "The model expects pixels in [0,1] (1) or [0,255] (255)." },
                        ["mean"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" }, ["description"] = "Per-channel mean subtracted after scaling." },
                        ["std"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 }, ["description"] = "Per-channel standard deviation divided after the mean." },
                        ["resize"] = Enum("What to do with images whose size differs from the model's input: none (an error), stretch (bilinear to the input size), center-crop (ImageNet-style: shorter side to the input's shorter side / 0.875, e.g. 256 for 224, aspect kept, then the centre cropped).", "none", "stretch", "center-crop"),
                    },
                },
                ["sample"] = new JsonObject
                {
                    ["type"] = "object",
                    ["description"] = "A seeded class-stratified sample of the data (all of it when size is omitted).",
                    ["additionalProperties"] = false,
                    ["properties"] = new JsonObject
                    {
                        ["size"] = Integer(1, null, null),
                        ["seed"] = Integer(0, null, null),
                        ["sequential"] = new JsonObject { ["type"] = "boolean", ["default"] = false, ["description"] = "Attack examples in a seeded random order, a batch a round, and stop once every gate's verdict is settled by an anytime-valid confidence sequence (see README, Sequential gates and the verdict cache)." },
                        ["confidence"] = new JsonObject { ["type"] = "number", ["minimum"] = 0.5, ["exclusiveMaximum"] = 1, ["default"] = 0.95, ["description"] = "Confidence at which sequential verdicts are settled (1 - alpha)." },
                    },
                },
                ["seed"] = Integer(0, null, "Seed of the sample and of every attack's and check's randomness (overrides sample.seed)."),
                ["device"] = new JsonObject { ["type"] = "string", ["pattern"] = "^(cpu|cuda(:[0-9]+)?)$", ["default"] = "cpu" },
                ["batchSize"] = Integer(1, 64, null),
                ["nearThreshold"] = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1, ["default"] = 0.02, ["description"] = "A passing gate within this margin of its threshold is reported as a warning." },
                ["attacks"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["oneOf"] = attackRefs } },
                ["checks"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["oneOf"] = checkRefs } },
                ["gates"] = new JsonObject { ["type"] = "array", ["items"] = Ref("gate") },
                ["limits"] = Limits(),
            },
            ["definitions"] = definitions,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }).ReplaceLineEndings("\n") + "\n";
    }

    private static JsonObject Attack(ICraftingAttack attack)
    {
        // L-inf and spatial budgets are shares (of the pixel range, of the transformation range): at most 1.
        bool linfOnly = attack.Norms.All(n => n != Norm.L2);
        var budget = new JsonObject { ["type"] = "number", ["minimum"] = 0 };
        if (linfOnly) budget["maximum"] = 1;
        var properties = new JsonObject
        {
            ["id"] = Text("The name gates refer to (defaults to the attack name)."),
            ["attack"] = new JsonObject { ["enum"] = new JsonArray(attack.Name), ["description"] = attack.Describe(AttackSettings.DefaultsOf(attack, 0.1)) + " (defaults at eps 0.1)" },
            ["norm"] = new JsonObject { ["enum"] = new JsonArray(attack.Norms.Select(n => (JsonNode?)NormNames.Of(n)).ToArray()), ["default"] = NormNames.Of(attack.DefaultNorm) },
            ["eps"] = new JsonObject
            {
                ["description"] = attack.Norms.All(n => n == Norm.Spatial)
                    ? "Budget(s): the share of the rotation and translation range the attack may use, in [0,1]."
                    : "Budget(s) in [0,1] pixel space, before normalization; L-inf budgets are at most 1.",
                ["oneOf"] = new JsonArray(budget.DeepClone(), new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = budget.DeepClone() }),
            },
        };
        var d = attack.Defaults;
        foreach (var key in attack.Keys)
            properties[key] = key switch
            {
                AttackKeys.Steps => Integer(0, d.Steps, "Iterations of the attack."),
                AttackKeys.StepSize => new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["description"] = "Step size (or learning rate); the attack's published default when omitted." },
                AttackKeys.Restarts => Integer(1, d.Restarts, "Random restarts; the worst case over them is kept."),
                AttackKeys.RandomStart => new JsonObject { ["type"] = "boolean", ["default"] = d.RandomStart },
                AttackKeys.TargetClass => Integer(0, null, "Targeted attack: the class every example is pushed towards."),
                AttackKeys.Queries => Integer(1, d.Queries, "Query budget per image."),
                AttackKeys.Surrogate => Text("The ONNX model adversarial examples are crafted on."),
                AttackKeys.Rotation => new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 180, ["description"] = "Largest rotation at budget 1, in degrees either way (the attack's default when omitted)." },
                AttackKeys.Translation => new JsonObject { ["type"] = "number", ["minimum"] = 0, ["description"] = "Largest translation at budget 1, in pixels along each axis either way (the attack's default when omitted)." },
                AttackKeys.Grid => new JsonObject
                {
                    ["type"] = "array", ["minItems"] = 2, ["maxItems"] = 2, ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
                    ["description"] = "[rotations, translations per axis]: a grid over the range tried besides the random draws.",
                },
                _ => new JsonObject(),
            };
        var required = new JsonArray("attack", "eps");
        if (attack.Keys.Contains(AttackKeys.Surrogate)) required.Add("surrogate");
        var definition = new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["required"] = required, ["properties"] = properties };
        var others = attack.Norms.Where(n => n != Norm.LInf).Select(n => (JsonNode?)NormNames.Of(n)).ToArray();
        if (!linfOnly && attack.Norms.Contains(Norm.LInf))
        {
            // Under L-inf (named, or the default) a budget is at most 1, the whole pixel range.
            var otherNorm = new JsonObject { ["properties"] = new JsonObject { ["norm"] = new JsonObject { ["enum"] = new JsonArray(others) } } };
            if (attack.DefaultNorm == Norm.LInf) otherNorm["required"] = new JsonArray("norm");
            var bounded = new JsonObject { ["type"] = "number", ["minimum"] = 0, ["maximum"] = 1 };
            definition["anyOf"] = new JsonArray(otherNorm, new JsonObject
            {
                ["properties"] = new JsonObject { ["eps"] = new JsonObject { ["oneOf"] = new JsonArray(bounded.DeepClone(), new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = bounded.DeepClone() }) } },
            });
        }
        return definition;
    }

    private static JsonObject Check(IScanCheck check, string nameKey)
    {
        var properties = new JsonObject
        {
            ["id"] = Text("The name gates refer to (defaults to the check's name)."),
            [nameKey] = new JsonObject { ["enum"] = new JsonArray(check.Name), ["description"] = check.Summary },
        };
        foreach (var key in check.Keys)
        {
            JsonObject schema = key.Type switch
            {
                "array" => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" } },
                "number|array" => new JsonObject { ["oneOf"] = new JsonArray(new JsonObject { ["type"] = "number" }, new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = new JsonObject { ["type"] = "number" } }) },
                var type => new JsonObject { ["type"] = type },
            };
            if (key.Enum is { } values) schema["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
            schema["description"] = key.Description;
            if (key.Default is { } text)
            {
                try { schema["default"] = JsonNode.Parse(text); }
                catch (JsonException) { schema["default"] = text; }
            }
            properties[key.Name] = schema;
        }
        return new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["required"] = new JsonArray(nameKey), ["properties"] = properties };
    }

    private static JsonObject Gate(ScanRegistry registry)
    {
        var properties = new JsonObject
        {
            ["id"] = Text(null),
            ["metric"] = new JsonObject { ["enum"] = new JsonArray(registry.Metrics.Select(m => (JsonNode?)m.Name).ToArray()) },
            ["attack"] = Text("The id of the attack (or check) in this config whose figure is judged."),
            ["check"] = Text("The id of the check in this config whose figure is judged."),
        };
        foreach (var key in registry.Metrics.Select(m => m.BudgetKey).OfType<string>().Distinct())
            properties[key] = new JsonObject
            {
                ["type"] = "number", ["minimum"] = 0,
                ["description"] = registry.Metrics.Where(m => m.BudgetKey == key).All(m => m.AggregatesBudgets)
                    ? "One of the source's budgets (omitted: the figure over all of them)." : "One of the source's budgets (defaults to its largest).",
            };
        foreach (var key in registry.Metrics.Select(m => m.LabelKey).OfType<string>().Distinct())
            properties[key] = Text("Which of the source's labelled figures is judged (omitted: the figure over all of them).");
        properties["min"] = new JsonObject { ["type"] = "number" };
        properties["max"] = new JsonObject { ["type"] = "number" };
        properties["bound"] = new JsonObject
        {
            ["enum"] = new JsonArray("point", "confidence"), ["default"] = "point",
            ["description"] = "confidence judges the pessimistic end of the 95% Wilson interval, so a small sample cannot pass by luck.",
        };
        var proportions = registry.Metrics.Where(m => m.ThresholdIsFraction).Select(m => (JsonNode?)m.Name).ToArray();
        return new JsonObject
        {
            ["type"] = "object", ["additionalProperties"] = false, ["required"] = new JsonArray("metric"), ["properties"] = properties,
            ["oneOf"] = new JsonArray(
                new JsonObject { ["required"] = new JsonArray("min"), ["not"] = new JsonObject { ["required"] = new JsonArray("max") } },
                new JsonObject { ["required"] = new JsonArray("max"), ["not"] = new JsonObject { ["required"] = new JsonArray("min") } }),
            ["allOf"] = new JsonArray(new JsonObject
            {
                ["description"] = "robustAccuracy and attackSuccess gates name the attack they judge.",
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["properties"] = new JsonObject { ["metric"] = new JsonObject { ["not"] = new JsonObject { ["enum"] = new JsonArray(ScanMetrics.RobustAccuracy.Name, ScanMetrics.AttackSuccess.Name) } } } },
                    new JsonObject { ["required"] = new JsonArray("attack") }),
            }, new JsonObject
            {
                ["description"] = "Thresholds of proportions are in [0,1].",
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["properties"] = new JsonObject { ["metric"] = new JsonObject { ["not"] = new JsonObject { ["enum"] = new JsonArray(proportions) } } } },
                    new JsonObject { ["properties"] = new JsonObject { ["min"] = Ref("fraction"), ["max"] = Ref("fraction") } }),
            }),
        };
    }

    /// <summary>One key per <see cref="ResourceLimits"/> property (<see cref="ResourceLimits.All"/>), with its default.</summary>
    private static JsonObject Limits()
    {
        var properties = new JsonObject();
        foreach (var limit in ResourceLimits.All)
            properties[limit.Key] = new JsonObject
            {
                ["type"] = "integer", ["minimum"] = 1, ["maximum"] = limit.Maximum, ["default"] = limit.Default,
                ["description"] = $"Raises or lowers this bound of the scan (the command line's {limit.Option} wins over it).",
            };
        return new JsonObject
        {
            ["type"] = "object",
            ["description"] = "Bounds on the work and memory the scan's inputs may ask for; a value above its limit is refused with one located error.",
            ["additionalProperties"] = false,
            ["properties"] = properties,
        };
    }

    private static JsonObject Ref(string definition) => new() { ["$ref"] = "#/definitions/" + definition };

    private static JsonObject Text(string? description)
    {
        var o = new JsonObject { ["type"] = "string", ["minLength"] = 1 };
        if (description is not null) o["description"] = description;
        return o;
    }

    private static JsonObject Enum(string? description, params string[] values)
    {
        var o = new JsonObject { ["enum"] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray()) };
        if (description is not null) o["description"] = description;
        return o;
    }

    private static JsonObject Integer(int min, int? @default, string? description)
    {
        var o = new JsonObject { ["type"] = "integer", ["minimum"] = min };
        if (@default is { } d) o["default"] = d;
        if (description is not null) o["description"] = description;
        return o;
    }
}
