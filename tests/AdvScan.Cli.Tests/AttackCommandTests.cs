using System.Text.Json;
using AdvScan.Cli;
using AdvScan.Onnx;

using AdvScan.Scanning.Tests;

namespace AdvScan.Cli.Tests;

/// <summary>
/// `advscan attack` on the MNIST fixtures, against what the literature says the attacks must do to an undefended CNN,
/// and its bad-input errors. Every robust accuracy is ONNX Runtime's verdict on the adversarial examples.
/// </summary>
public sealed class AttackCommandTests : IDisposable
{
    private static readonly string Model = Path.Combine(ConfigFiles.Fixtures, "mnist-cnn.onnx");
    private static readonly string Digits = Path.Combine(ConfigFiles.Fixtures, "mnist-test-images-idx3-ubyte");
    private readonly ConfigFiles files = new();

    private static (int Exit, string Out, string Err) Advscan(params string[] args) => CliRun.Of(["attack", .. args]);

    /// <summary>Runs an attack on a seeded sample of held-out digits and returns its JSON report.</summary>
    private JsonElement Attack(string tag, params string[] args)
    {
        var json = files.PathOf(tag + ".json");
        var (exit, output, errors) = Advscan(["--model", Model, "--data", Digits, "--json", json, .. args]);
        Assert.True(exit == CliApp.Success, output + errors);
        return JsonDocument.Parse(File.ReadAllText(json)).RootElement;
    }

    private static JsonElement Point(JsonElement report, int index = 0) => report.GetProperty("curve")[index];

    private static double Robust(JsonElement report, int index = 0) => Point(report, index).GetProperty("robustAccuracy").GetProperty("value").GetDouble();

    private static readonly string[] Pgd40 = ["--attack", "pgd", "--eps", "0.3", "--steps", "40", "--step-size", "0.01", "--limit", "100"];

    [Fact]
    public void Pgd_at_eps_0_3_leaves_the_standard_cnn_at_most_2_percent_robust_accuracy()
    {
        var report = Attack("pgd", Pgd40);
        Assert.True(Robust(report) <= 0.02, $"PGD-40 robust accuracy {Robust(report):P1}");
    }

    [Fact]
    public void Fgsm_at_eps_0_3_is_weaker_than_pgd_on_the_same_digits()
    {
        var fgsm = Robust(Attack("fgsm", "--attack", "fgsm", "--eps", "0.3", "--limit", "100"));
        var pgd = Robust(Attack("pgd", Pgd40));
        Assert.True(fgsm > pgd, $"FGSM {fgsm:P1} vs PGD {pgd:P1}");
    }

    [Fact]
    public void Apgd_is_at_least_as_strong_as_pgd_at_a_budget_where_pgd_leaves_digits_standing()
    {
        // At eps 0.1 PGD-40 leaves a fair share of digits correct, so "at least as strong" is a real comparison.
        string[] sample = ["--eps", "0.1", "--steps", "40", "--limit", "100"];
        var pgd = Robust(Attack("pgd", ["--attack", "pgd", "--step-size", "0.01", .. sample]));
        var apgd = Robust(Attack("apgd", ["--attack", "apgd", .. sample]));
        Assert.True(pgd > 0.05, $"PGD at eps 0.1 left {pgd:P1}; the comparison needs survivors");
        Assert.True(apgd <= pgd, $"APGD {apgd:P1} vs PGD {pgd:P1}");
    }

    [Fact]
    public void The_adversarially_trained_mnist_robust_keeps_at_least_70_percent_under_the_same_pgd_with_95_percent_clean_accuracy()
    {
        var robust = Path.Combine(ConfigFiles.Fixtures, "mnist-robust.onnx");
        var json = files.PathOf("robust.json");
        var (exit, output, errors) = Advscan(["--model", robust, "--data", Digits, "--json", json, .. Pgd40[..^1], "200"]);
        Assert.True(exit == CliApp.Success, output + errors);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var clean = report.GetProperty("cleanAccuracy").GetProperty("value").GetDouble();
        Assert.True(clean >= 0.95, $"mnist-robust clean accuracy {clean:P1}");
        Assert.True(Robust(report) >= 0.70, $"mnist-robust PGD-40 eps 0.3 robust accuracy {Robust(report):P1}");
    }

    [Fact]
    public void Apgd_is_at_least_as_strong_as_pgd_on_the_adversarially_trained_model()
    {
        var robust = Path.Combine(ConfigFiles.Fixtures, "mnist-robust.onnx");
        string Run(string tag, params string[] args)
        {
            var json = files.PathOf(tag + ".json");
            var (exit, output, errors) = Advscan(["--model", robust, "--data", Digits, "--json", json, "--eps", "0.3", "--steps", "40", "--limit", "100", .. args]);
            Assert.True(exit == CliApp.Success, output + errors);
            return json;
        }
        var pgd = Robust(JsonDocument.Parse(File.ReadAllText(Run("robust-pgd", "--attack", "pgd", "--step-size", "0.01"))).RootElement);
        var apgd = Robust(JsonDocument.Parse(File.ReadAllText(Run("robust-apgd", "--attack", "apgd"))).RootElement);
        Assert.True(apgd <= pgd, $"APGD {apgd:P1} vs PGD {pgd:P1} on mnist-robust");
    }

    [Fact]
    public void Carlini_wagner_with_its_defaults_is_as_strong_as_pgd_l2_at_the_same_budget()
    {
        // A minimal-perturbation attack that breaks fewer digits inside an L2 ball than PGD-L2 does is too weak to
        // report a minimal norm; its defaults (100 Adam steps at 0.1, 5 binary-search steps) must keep up.
        var cw = Attack("cw", "--attack", "cw", "--eps", "1.0", "--limit", "50");
        var pgd = Attack("pgd-l2", "--attack", "pgd", "--norm", "l2", "--eps", "1.0", "--limit", "50");
        Assert.True(Robust(cw) <= Robust(pgd) + 0.1, $"cw {Robust(cw):P1} vs PGD-L2 {Robust(pgd):P1} at L2 eps 1.0");
        // Published minimal L2 distances for undefended MNIST CNNs are around 1 to 2 in [0,1] pixels.
        Assert.InRange(cw.GetProperty("medianMinimalL2").GetDouble(), 0.5, 3.0);
    }

    [Fact]
    public void Square_attack_fools_at_least_90_percent_within_5000_queries_at_eps_0_3()
    {
        var report = Attack("square", "--attack", "square", "--eps", "0.3", "--queries", "5000", "--limit", "20");
        var success = Point(report).GetProperty("attackSuccess").GetProperty("value").GetDouble();
        Assert.True(success >= 0.9, $"square success {success:P1}");
    }

    [Fact]
    public void An_option_for_a_settings_key_the_attack_does_not_declare_is_refused_instead_of_silently_ignored()
    {
        var (exit, _, errors) = Advscan("--model", Model, "--data", Digits, "--attack", "square", "--eps", "0.3", "--steps", "40");
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains("option --steps only applies to attacks that read \"steps\" (", errors);
        Assert.Contains("pgd", errors);
        Assert.EndsWith("not square", errors.TrimEnd());
        Assert.DoesNotContain("square,", errors);
    }

    [Fact]
    public void A_label_only_attack_says_so_from_its_declared_access_and_counts_queries_instead_of_graph_disagreements()
    {
        var json = files.PathOf("hsj.json");
        var (exit, output, errors) = Advscan("--model", Model, "--data", Digits, "--attack", "hopskipjump", "--eps", "3", "--queries", "40", "--limit", "6", "--json", json);
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.Contains("hopskipjump (label-only, queries ONNX Runtime)", output);
        Assert.Contains("median queries", output);
        Assert.DoesNotContain("runtime disagreements", output);
        var attack = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("attack");
        Assert.Equal("labels", attack.GetProperty("access").GetString());
        Assert.Equal(["queries", "targetClass"], attack.GetProperty("parameters").EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void Transfer_from_another_mnist_model_is_weaker_than_white_box_pgd_and_reports_its_rate()
    {
        var surrogate = Path.Combine(ConfigFiles.Fixtures, "mnist-badnets.onnx");
        var transfer = Attack("transfer", "--attack", "transfer", "--surrogate", surrogate, "--eps", "0.1", "--steps", "20", "--limit", "100");
        var pgd = Attack("pgd", "--attack", "pgd", "--eps", "0.1", "--steps", "20", "--limit", "100");
        Assert.True(Robust(transfer) > Robust(pgd), $"transfer {Robust(transfer):P1} vs white-box {Robust(pgd):P1}");
        var rate = Point(transfer).GetProperty("transfer");
        Assert.InRange(rate.GetProperty("value").GetDouble(), 0.0, 1.0);
    }

    [Fact]
    public void The_same_command_twice_writes_byte_identical_json_with_the_model_hash_and_seed()
    {
        string[] args = ["--attack", "pgd", "--eps", "0.05,0.1", "--steps", "10", "--limit", "40", "--seed", "11"];
        var first = Attack("first", args);
        Attack("second", args);
        Assert.Equal(File.ReadAllBytes(files.PathOf("first.json")), File.ReadAllBytes(files.PathOf("second.json")));
        Assert.Equal(OnnxModel.Load(Model).Sha256, first.GetProperty("sha256").GetString());
        Assert.Equal(11, first.GetProperty("seed").GetInt32());
        // File names only: the same command from another checkout or machine gives the same bytes.
        var text = File.ReadAllText(files.PathOf("first.json"));
        Assert.Equal("mnist-cnn.onnx", first.GetProperty("model").GetString());
        Assert.DoesNotContain(ConfigFiles.RepositoryRoot, text);
        Assert.DoesNotContain(files.Folder, text);
        // eps 0 is not asked for, but a curve never rises: the larger budget breaks at least as many digits.
        Assert.True(Robust(first, 1) <= Robust(first, 0));
    }

    [Fact]
    public void Saved_examples_decode_as_images_of_the_input_size_named_by_dataset_index()
    {
        var folder = files.PathOf("examples");
        var report = Attack("saved", "--attack", "fgsm", "--eps", "0.2", "--limit", "20", "--save-examples", folder);
        var broken = Point(report).GetProperty("attackSuccess").GetProperty("successes").GetInt32();
        var pngs = Directory.GetFiles(folder, "*.png", SearchOption.AllDirectories);
        Assert.Equal(3 * broken, pngs.Length);
        Assert.All(pngs, png =>
        {
            Assert.Matches(@"^\d{6}-(clean|adversarial|perturbation)\.png$", Path.GetFileName(png));
            using var bitmap = SkiaSharp.SKBitmap.Decode(png);
            Assert.NotNull(bitmap);
            Assert.Equal((28, 28), (bitmap.Width, bitmap.Height));
        });
        var index = File.ReadAllLines(Path.Combine(folder, "index.csv"));
        Assert.Equal(broken + 1, index.Length);
    }

    [Fact]
    public void Saving_examples_twice_writes_the_same_files()
    {
        string[] args = ["--attack", "fgsm", "--eps", "0.2", "--limit", "20", "--seed", "5"];
        Attack("a", [.. args, "--save-examples", files.PathOf("a")]);
        Attack("b", [.. args, "--save-examples", files.PathOf("b")]);
        static Dictionary<string, byte[]> Contents(string folder) =>
            Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => File.ReadAllBytes(f));
        var (a, b) = (Contents(files.PathOf("a")), Contents(files.PathOf("b")));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.All(a, file => Assert.Equal(file.Value, b[file.Key]));
    }

    public static TheoryData<string[], string> BadInputs() => new()
    {
        { ["--attack", "pgd", "--eps", "1.5"], "--eps" },
        { ["--attack", "pgd", "--eps", "0.1,-0.1"], "--eps" },
        { ["--attack", "pgd", "--steps", "0"], "--steps" },
        { ["--attack", "pgd", "--restarts", "0"], "--restarts" },
        { ["--attack", "pgd", "--targeted", "10"], "mnist-cnn.onnx has 10 classes (0..9)" },
        { ["--attack", "pgd", "--targeted", "-1"], "--targeted" },
        { ["--attack", "deepfool"], "unknown attack 'deepfool'" },
        { ["--attack", "cw", "--norm", "linf"], "--norm l2" },
        { ["--attack", "transfer"], "--surrogate" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_arguments_exit_2_with_a_one_line_error_naming_the_problem(string[] args, string mentioned)
    {
        var (exit, output, errors) = Advscan(["--model", Model, "--data", Digits, "--limit", "10", .. args]);
        Assert.Equal(CliApp.BadInput, exit);
        var message = (output + errors).Trim();
        Assert.Contains(mentioned, message);
        Assert.DoesNotContain("   at ", message);
    }

    /// <summary>A model or data file that is missing or damaged, and the text the error must name it by.</summary>
    public static TheoryData<string, string, string> BadFiles() => new()
    {
        { "--model", "missing", "missing.onnx: does not exist" },
        { "--model", "truncated", "truncated.onnx: is not a valid ONNX" },
        { "--data", "missing", "missing-images-idx3-ubyte: does not exist" },
        { "--data", "truncated", "truncated-images-idx3-ubyte: is truncated" },
        { "--surrogate", "missing", "missing.onnx: does not exist" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_missing_or_corrupt_input_file_exits_2_naming_the_file(string option, string kind, string mentioned)
    {
        var isModel = option != "--data";
        var name = kind + (isModel ? ".onnx" : "-images-idx3-ubyte");
        var path = files.PathOf(name);
        if (kind == "truncated")
        {
            // The first bytes of a real file: the header is right, the body is cut off.
            var original = isModel ? Model : Digits;
            File.WriteAllBytes(path, File.ReadAllBytes(original)[..1000]);
            if (!isModel) File.Copy(Path.Combine(ConfigFiles.Fixtures, "mnist-test-labels-idx1-ubyte"), files.PathOf(kind + "-labels-idx1-ubyte"));
        }
        var args = new Dictionary<string, string> { ["--model"] = Model, ["--data"] = Digits, ["--attack"] = "pgd", ["--limit"] = "10" };
        args[option] = path;
        if (option == "--surrogate") args["--attack"] = "transfer";

        var (exit, output, errors) = Advscan([.. args.SelectMany(a => new[] { a.Key, a.Value })]);
        Assert.Equal(CliApp.BadInput, exit);
        var message = (output + errors).Trim();
        Assert.Contains(mentioned, message);
        Assert.Single(message.Split('\n'));
    }

    [Fact]
    public void A_json_path_that_cannot_be_written_exits_2_before_the_attack_runs()
    {
        var folder = files.PathOf("a-folder");
        Directory.CreateDirectory(folder);
        var (exit, output, errors) = Advscan("--model", Model, "--data", Digits, "--attack", "pgd", "--limit", "10", "--json", folder);
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains(folder + ": cannot be written", errors);
        Assert.DoesNotContain("robust accuracy", output);
    }

    [Fact]
    public void A_json_path_in_a_folder_that_does_not_exist_yet_is_created()
    {
        var json = Path.Combine(files.PathOf("new-folder"), "nested", "pgd.json");
        var (exit, output, errors) = Advscan("--model", Model, "--data", Digits, "--attack", "fgsm", "--limit", "10", "--json", json);
        Assert.True(exit == CliApp.Success, output + errors);
        Assert.True(File.Exists(json));
    }

    [Fact]
    public void A_surrogate_with_another_input_shape_is_refused_with_exit_2()
    {
        var signs = Path.Combine(ConfigFiles.Fixtures, "signs-cnn.onnx");
        var (exit, output, errors) = Advscan("--model", Model, "--data", Digits, "--attack", "transfer", "--surrogate", signs, "--limit", "10");
        Assert.Equal(CliApp.BadInput, exit);
        Assert.Contains("does not match", output + errors);
    }

    [Fact]
    public void A_white_box_attack_on_a_model_the_engine_cannot_differentiate_suggests_the_black_box_attacks()
    {
        // Logits from a linear layer plus 0 x Det(x): ONNX Runtime runs it, the engine has no Det.
        var b = new OnnxGraphBuilder("with-det", opset: 17);
        var x = b.Input("input", OnnxDataType.Float, "batch", 1, 28, 28);
        var flat = b.Node("Flatten", [x]);
        var logits = b.Node("Gemm", [flat, b.Initializer("w", [784, 10], new float[7840])]);
        var det = b.Node("Det", [x], name: "determinant");
        var zero = b.Node("Mul", [det, b.Initializer("zero", [1], [0f])]);
        b.Output(b.Node("Add", [logits, zero]), OnnxDataType.Float, "batch", 10);
        var model = files.PathOf("with-det.onnx");
        File.WriteAllBytes(model, b.ToBytes());

        var (exit, output, errors) = Advscan("--model", model, "--data", Digits, "--attack", "pgd", "--limit", "10");
        Assert.Equal(CliApp.BadInput, exit);
        var message = output + errors;
        Assert.Contains("Det", message);
        Assert.Contains("--attack square", message);
        Assert.Contains("--attack transfer", message);
    }

    public void Dispose() => files.Dispose();
}
