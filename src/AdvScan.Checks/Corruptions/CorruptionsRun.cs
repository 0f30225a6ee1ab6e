using System.Globalization;
using AdvScan.Onnx;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Attacks;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Corruptions;

/// <summary>
/// One run of the corruptions check over this shard's examples: each batch is corrupted cell by cell (corruption x
/// severity, the examples of a batch in parallel, each from its own seeded generator) and every corrupted batch goes
/// through ONNX Runtime, for the model and the baseline. The first correctly classified example is kept, under every
/// cell, for the report's grid.
/// </summary>
internal sealed class CorruptionsRun(CheckContext context, CorruptionsSettings settings)
{
    public (CorruptionCounts Counts, IReadOnlyList<ReportImage> Gallery) Run()
    {
        var counts = new CorruptionCounts(settings.Corruptions, settings.Severities, settings.Baseline is not null);
        OnnxModel? baselineModel = null;
        if (settings.Baseline is not null)
        {
            baselineModel = OnnxModel.Load(settings.Baseline);
            // Same shape and normalisation, so one pixel mapping serves both and the images they judge are the same.
            TransferAttack.CheckSameInput(context.Model, baselineModel);
        }
        using var baseline = baselineModel is null ? null : ReferenceSession.Open(baselineModel);
        var gallery = new List<ReportImage>();
        int cells = settings.Corruptions.Count * settings.Severities.Count;
        int total = context.Indices.Count, position = 0;
        var options = new ParallelOptions { CancellationToken = context.CancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        foreach (var batch in context.Read(context.Indices))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            int count = batch.Labels.Length, channels = (int)batch.Shape[1], height = (int)batch.Shape[2], width = (int)batch.Shape[3];
            int size = channels * height * width;
            var table = settings.Table ?? CorruptionSuite.TableFor(height, width);
            var indices = Enumerable.Range(position, count).Select(p => context.Indices[p]).ToArray();
            var (clean, cleanConfidence) = Predict(context.Runtime, batch.Pixels, batch.Shape);
            counts.Examples += count;
            counts.CleanCorrect += Correct(clean, batch.Labels);
            if (baseline is not null) counts.BaselineCleanCorrect += Correct(Predict(baseline, batch.Pixels, batch.Shape).Classes, batch.Labels);
            // The grid shows one example, the first one classified correctly, in a row per corruption (PNGs are grey or RGB).
            int shown = gallery.Count > 0 || channels is not (1 or 3) ? -1 : Math.Max(0, Array.FindIndex(Enumerable.Range(0, count).ToArray(), i => clean[i] == batch.Labels[i]));
            var cleanCaption = shown >= 0 ? Caption("clean", shown, clean, cleanConfidence, batch.Labels) : "";

            var corrupted = new float[batch.Pixels.Length];
            for (int c = 0; c < settings.Corruptions.Count; c++)
            {
                var corruption = settings.Corruptions[c];
                for (int k = 0; k < settings.Severities.Count; k++)
                {
                    int severity = settings.Severities[k];
                    Parallel.For(0, count, options, i =>
                    {
                        var picture = new Picture(batch.Pixels.AsSpan(i * size, size).ToArray(), channels, height, width);
                        var random = CorruptionRandom.For(context.Seed, indices[i], corruption.Name, severity);
                        corruption.Corrupt(picture, severity, table, random).Pixels.CopyTo(corrupted, i * size);
                    });
                    var (predicted, confidence) = Predict(context.Runtime, corrupted, batch.Shape);
                    counts.Correct[c, k] += Correct(predicted, batch.Labels);
                    if (baseline is not null) counts.BaselineCorrect![c, k] += Correct(Predict(baseline, corrupted, batch.Shape).Classes, batch.Labels);
                    if (shown >= 0 && k == 0) gallery.Add(Image(corruption.Name, cleanCaption, batch.Pixels.AsSpan(shown * size, size), batch.Shape));
                    if (shown >= 0)
                        gallery.Add(Image(corruption.Name, Caption(string.Create(CultureInfo.InvariantCulture, $"severity {severity}"), shown, predicted, confidence, batch.Labels),
                            corrupted.AsSpan(shown * size, size), batch.Shape));
                    context.Progress?.Report((Math.Min(total, position) * cells + (c * settings.Severities.Count + k + 1) * count, total * cells));
                }
            }
            position += count;
        }
        return (counts, gallery);
    }

    private (int[] Classes, float[] Confidences) Predict(ReferenceSession session, float[] pixels, long[] shape) =>
        Predictions.Predict(session, context.Dataset.Mapping, pixels, shape);

    private static int Correct(int[] predicted, int[] labels)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) correct++;
        return correct;
    }

    private string Caption(string what, int row, int[] predicted, float[] confidence, int[] labels)
    {
        var names = context.ClassNames;
        string Name(int k) => k < names.Count ? names[k] : k.ToString(CultureInfo.InvariantCulture);
        var mark = predicted[row] == labels[row] ? "" : " (wrong)";
        return string.Create(CultureInfo.InvariantCulture, $"{what}: {Name(predicted[row])} {confidence[row]:P0}{mark}");
    }

    private static ReportImage Image(string group, string caption, ReadOnlySpan<float> pixels, long[] shape) =>
        new(group, caption, pixels.ToArray(), [shape[1], shape[2], shape[3]]);
}
