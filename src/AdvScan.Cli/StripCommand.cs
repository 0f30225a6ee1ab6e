using System.Globalization;
using System.Text.Json;
using AdvScan.Checks.Backdoor;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;

namespace AdvScan.Cli;

/// <summary>
/// `advscan strip`: STRIP as a filter. Calibrates the entropy threshold on a clean set for the chosen false-rejection
/// rate (ONNX Runtime scores every blend) and marks each suspect input as carrying a trigger or not.
/// </summary>
internal static class StripCommand
{
    private static readonly StripOptions Defaults = new();

    // Defaults in the text come from the options record, so help cannot drift from what runs.
    public static readonly string Usage = string.Create(CultureInfo.InvariantCulture, $$"""
          strip --model <model.onnx> --calibration <clean data> [--calibration-labels L] --inputs <suspect data>
                [--inputs-labels L] [--overlays {{Defaults.Overlays}}] [--false-rejection {{Defaults.FalseRejectionRate}}] [--seed {{Defaults.Seed}}] [--json F] [--data-root DIR]
              STRIP filter: superimpose --overlays clean calibration images on each input, take the mean entropy of
              ONNX Runtime's predictions, and flag inputs below the threshold calibrated on the clean set for
              --false-rejection. Prints one line per input; exit 0 (the marks are the output), 2 on bad input.
        """);

    public static int Run(ArgumentReader args, TextWriter stdout)
    {
        var modelPath = args.String("--model") ?? throw new InvalidInputException(null, "missing --model <model.onnx>");
        var calibrationPath = args.String("--calibration") ?? throw new InvalidInputException(null, "missing --calibration <clean data>");
        var inputsPath = args.String("--inputs") ?? throw new InvalidInputException(null, "missing --inputs <suspect data>");
        var calibrationLabels = args.String("--calibration-labels");
        var inputsLabels = args.String("--inputs-labels");
        var options = new StripOptions(args.Int("--overlays", Defaults.Overlays, 1, nameof(ResourceLimits.MaxQueries)), args.Double("--false-rejection", Defaults.FalseRejectionRate), args.Int("--seed", Defaults.Seed));
        var json = args.String("--json");
        var dataRoot = args.String("--data-root");
        args.RejectUnknown();
        options.Validate();
        if (!File.Exists(modelPath)) throw new InvalidInputException(modelPath, "no such file");
        OutputFiles.Prepare(json);

        var model = OnnxModel.Load(modelPath);
        using var calibration = DatasetSource.Open(calibrationPath, calibrationLabels, null, model, dataRoot: dataRoot);
        using var inputs = DatasetSource.Open(inputsPath, inputsLabels, null, model, dataRoot: dataRoot);
        var clean = HostImages.Read(calibration);
        var suspect = HostImages.Read(inputs);
        if (!clean.Shape.Skip(1).SequenceEqual(suspect.Shape.Skip(1)))
            throw new InvalidInputException(calibrationPath,
                $"calibration images are {string.Join("x", clean.Shape.Skip(1))} but the inputs are {string.Join("x", suspect.Shape.Skip(1))}");
        using var runtime = RuntimeSessions.Open(model);
        var oracle = new RuntimeOracle(runtime, calibration.Mapping.ToModelInputHost);
        var detector = StripDetector.Calibrate(oracle, clean.Pixels, clean.Shape, options);
        var entropies = detector.Entropies(suspect.Pixels, suspect.Shape);

        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine($"model:       {modelPath} (sha256 {model.Sha256[..12]})");
        stdout.WriteLine($"calibration: {calibration.Description}");
        stdout.WriteLine(string.Create(c, $"threshold:   {detector.Threshold:0.######} bits ({options.Describe()}; {detector.CalibrationFalseRejection:P1} of the calibration set rejected)"));
        for (int i = 0; i < entropies.Length; i++)
            stdout.WriteLine(string.Create(c, $"input {i}: entropy {entropies[i]:0.####} {(entropies[i] < detector.Threshold ? "TRIGGER" : "clean")}"));
        int flagged = entropies.Count(e => e < detector.Threshold);
        stdout.WriteLine($"flagged:     {flagged} of {entropies.Length}");
        if (json is not null)
        {
            var document = new
            {
                model = Path.GetFileName(modelPath), modelSha256 = model.Sha256, calibration = Path.GetFileName(Path.TrimEndingDirectorySeparator(calibrationPath)),
                inputs = Path.GetFileName(Path.TrimEndingDirectorySeparator(inputsPath)), options.Overlays, falseRejection = options.FalseRejectionRate, options.Seed,
                threshold = detector.Threshold, calibrationFalseRejection = detector.CalibrationFalseRejection, flagged,
                marks = entropies.Select((e, i) => new { index = i, entropy = e, trigger = e < detector.Threshold }).ToArray(),
            };
            OutputFiles.Write(json, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }) + "\n");
        }
        return CliApp.Success;
    }
}
