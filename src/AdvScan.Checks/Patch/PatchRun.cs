using System.Globalization;
using AdvScan.Engine;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Patch;

/// <summary>
/// One run of the patch check: split the whole sample, optimise a patch per area on the training part (the same on
/// every shard), judge this shard's held-out examples with ONNX Runtime, and turn the verdicts into the report.
/// </summary>
internal sealed class PatchRun(CheckContext context, PatchSettings settings)
{
    public CheckReport Run(string id)
    {
        settings.Validate(context);
        var (channels, height, width) = PatchSettings.ImageGeometryOf(context);
        var labels = context.Dataset.Labels;
        var split = SampleSplit.Of(context.Sample, labels, settings.TrainFraction, context.Seed);
        var here = context.Indices.ToHashSet();
        var judged = split.HeldOut.Where(here.Contains).ToList();
        // Targeted: images already of the target class teach the patch nothing.
        var train = split.Train.Where(i => settings.Target is not { } t || labels[i] != t).ToList();
        var areas = settings.Areas.Distinct().OrderBy(a => a).ToList();
        int total = areas.Count * (settings.Restarts * settings.Steps + judged.Count), done = 0;
        void Advance(int by) => context.Progress?.Report((done += by, total));

        var metrics = new List<MetricValue>();
        var images = new List<ReportImage>();
        var perClass = new List<ReportTable>();
        var restarts = new List<ReportTable>();
        var summary = new List<IReadOnlyList<string>>();
        using var trainPixels = LoadOnDevice(train);
        var trainLabels = train.Select(i => labels[i]).ToArray();
        var search = new PatchSearch(context.Graph, context.Dataset.Mapping.ToModelInput);
        var judge = new PatchJudge(context, settings);
        string goal = settings.Target is { } target ? $"targeted to '{context.ClassNames[target]}'" : "untargeted";

        foreach (var area in areas)
        {
            var geometry = new PatchGeometry(channels, height, width, area, settings.Shape);
            int areaKey = geometry.SeedKey;
            var found = search.Run(trainPixels, trainLabels, geometry, settings, context.Seed, areaKey, () => Advance(1), context.CancellationToken);
            var patch = found.Patch;
            var control = RandomTexture(patch.Shape, areaKey);
            var gallery = new List<ReportImage>();
            var verdicts = judge.Judge(judged, patch, control, geometry, areaKey, (example, pixels, shape) =>
            {
                if (gallery.Count < settings.GalleryImages && example.Eligible)
                    gallery.Add(new ReportImage(Invariant($"patched held-out examples, area {area}"), Caption(example), pixels, shape));
                if (settings.SaveExamples is { } folder) SaveExample(folder, area, example, pixels, shape);
            }, Advance);

            var eligible = verdicts.Where(v => v.Eligible).ToList();
            var success = Proportion.Of(eligible.Count(v => v.Success), eligible.Count);
            var controlSuccess = Proportion.Of(eligible.Count(v => v.ControlSuccess), eligible.Count);
            metrics.Add(MetricValue.Of(PatchCheck.Success.Name, success, area, settings.Restarts > 1 ? Invariant($"{goal}, strongest of {settings.Restarts} restarts") : goal));
            metrics.Add(MetricValue.Of(PatchCheck.ControlSuccess.Name, controlSuccess, area, "random-patch control"));
            summary.Add([Invariant($"{area}"), Across(geometry),
                Percent(success), Interval(success), Percent(controlSuccess), Interval(controlSuccess),
                Invariant($"{patch.TrainSuccess:P1}"), Invariant($"{found.Kept + 1} of {found.Scores.Count}"),
                Invariant($"{patch.NonPrintability:0.0000}"), Invariant($"{patch.TotalVariation:0.0000}")]);
            restarts.Add(new ReportTable(Invariant($"Restarts, area {area} (success on the training part, graph; the best is judged)"), ["restart", "train success (graph)", "judged"],
                found.Scores.Select((score, r) => (IReadOnlyList<string>)[Invariant($"{r + 1}"), Invariant($"{score:P1}"), r == found.Kept ? "yes" : ""]).ToList()));
            perClass.Add(PerClassTable(area, eligible));
            var mask = geometry.Mask();
            images.Add(new ReportImage(Invariant($"patch, area {area}"), Invariant($"adversarial patch ({geometry.TextureSide}x{geometry.TextureSide} px, as printed)"), OnPaper(patch.Texture, mask), patch.Shape));
            images.Add(new ReportImage(Invariant($"patch, area {area}"), "random-patch control", OnPaper(control, mask), patch.Shape));
            images.AddRange(gallery);
            if (settings.SavePatch is { } file) SavePatch(PatchPng.PathFor(file, area, areas.Count > 1), patch, mask);
        }

        var tables = new List<ReportTable>
        {
            new("Patch success per area (held-out examples, ONNX Runtime verdicts, fresh EOT draws)",
                ["area", "patch pixels across", "patch success", "95% CI", "random-patch control", "95% CI", "train success (graph)", "restart judged", "non-printability", "total variation"], summary),
        };
        tables.AddRange(restarts);
        tables.AddRange(perClass);
        return CheckReport.Of(id, "patch", settings.Describe(), metrics) with { Tables = tables, Images = images, Line = context.Line };
    }

    /// <summary>The placed size: pasted pixel for pixel, the texture's whole pixels and their share; resampled, the continuous side.</summary>
    private string Across(PatchGeometry geometry) => settings.Eot.Rigid
        ? Invariant($"{geometry.TextureSide} ({geometry.TextureSide}x{geometry.TextureSide} texture pasted pixel for pixel: {geometry.PastedPixels} pixels, {geometry.PastedArea:P1} of the image)")
        : Invariant($"{geometry.Side:0.#} ({geometry.TextureSide}x{geometry.TextureSide} texture)");

    private Tensor LoadOnDevice(IReadOnlyList<int> indices)
    {
        using var scope = torch.NewDisposeScope();
        var parts = context.Read(indices).Select(b => torch.tensor(b.Pixels, b.Shape)).ToList();
        if (parts.Count == 0) throw new InvalidInputException(context.ConfigFile, "patch: the training part of the sample is empty; use a larger sample", context.Line > 0 ? context.Line : null);
        return torch.cat(parts, 0).to(context.Graph.Device).MoveToOuterDisposeScope();
    }

    /// <summary>The control: uniformly random pixels, seeded apart from the optimisation's own start.</summary>
    private float[] RandomTexture(long[] shape, int areaKey)
    {
        using var generator = new Generator(unchecked((ulong)PatchSeeds.Mix(context.Seed, PatchSeeds.Control, areaKey)));
        using var noise = torch.rand(shape, ScalarType.Float32, generator: generator);
        return TensorConversion.ToHostFloats(noise);
    }

    private ReportTable PerClassTable(double area, IReadOnlyList<JudgedExample> eligible) =>
        new(Invariant($"Per-class patch success, area {area}"), ["class", "held-out examples", "patch success", "random-patch control"],
            eligible.GroupBy(v => v.Label).OrderBy(g => g.Key).Select(g => (IReadOnlyList<string>)
            [
                context.ClassNames[g.Key], g.Count().ToString(CultureInfo.InvariantCulture),
                Percent(Proportion.Of(g.Count(v => v.Success), g.Count())), Percent(Proportion.Of(g.Count(v => v.ControlSuccess), g.Count())),
            ]).ToList());

    private string Caption(JudgedExample e) =>
        Invariant($"#{e.Index}: '{context.ClassNames[e.Label]}' -> '{context.ClassNames[e.Patched]}' ({e.PatchedConfidence:P0}){(e.Success ? "" : ", not taken over")}");

    private void SaveExample(string folder, double area, JudgedExample example, float[] pixels, long[] shape)
    {
        var name = Invariant($"{example.Index:D5}-area{area}-{Safe(context.ClassNames[example.Label])}-as-{Safe(context.ClassNames[example.Patched])}.png");
        // Atomic, through a new temporary file beside it; a link planted at the name is refused, not followed.
        TrustBoundary.WriteAllBytes(Path.Combine(folder, name), PatchPng.Encode(pixels, (int)shape[0], (int)shape[1], (int)shape[2]));
    }

    private static void SavePatch(string path, OptimisedPatch patch, float[] mask)
    {
        TrustBoundary.WriteAllBytes(path, PatchPng.Encode(patch.Texture, (int)patch.Shape[0], (int)patch.Shape[1], (int)patch.Shape[2], mask));
    }

    /// <summary>The texture as it looks printed: outside a circle's outline, white paper.</summary>
    private static float[] OnPaper(float[] texture, float[] mask)
    {
        int plane = mask.Length;
        var result = new float[texture.Length];
        for (int i = 0; i < texture.Length; i++) result[i] = mask[i % plane] * texture[i] + (1 - mask[i % plane]);
        return result;
    }

    private static string Safe(string name) => string.Concat(name.Select(ch => char.IsLetterOrDigit(ch) || ch == '-' ? ch : '_'));
    private static string Percent(Proportion p) => Invariant($"{p.Value:P1} ({p.Successes}/{p.Trials})");
    private static string Interval(Proportion p) => Invariant($"{p.Lower:P1}-{p.Upper:P1}");
    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
