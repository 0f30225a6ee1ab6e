using AdvScan.Engine;
using AdvScan.Runtime;
using AdvScan.Scanning;
using AdvScan.Scanning.Checks;
using TorchSharp;
using static TorchSharp.torch;

namespace AdvScan.Checks.Patch;

/// <summary>One judged held-out example: ONNX Runtime's verdicts clean, with the patch, and with the random control patch.</summary>
/// <param name="Eligible">Counted in the denominator: targeted, its label is not the target; untargeted, ONNX Runtime classifies it correctly clean.</param>
public sealed record JudgedExample(int Index, int Label, bool Eligible, int Clean, int Patched, int Control, bool Success, bool ControlSuccess, float PatchedConfidence);

/// <summary>
/// Judges a patch on held-out examples: each example gets one fresh EOT draw seeded by its dataset index (never by its
/// batch or shard), the patch and the random control are placed under that same draw, and ONNX Runtime classifies all
/// three versions. Counts over examples therefore add up exactly across shards.
/// </summary>
public sealed class PatchJudge(CheckContext context, PatchSettings settings)
{
    /// <param name="examples">The held-out examples of this shard, in the order to read them.</param>
    /// <param name="observe">Gets every judged example with its patched pixels ([C,H,W]) for the gallery and saved PNGs.</param>
    public IReadOnlyList<JudgedExample> Judge(IReadOnlyList<int> examples, OptimisedPatch patch, float[] control, PatchGeometry geometry, int areaIndex,
        Action<JudgedExample, float[], long[]>? observe = null, Action<int>? progress = null)
    {
        var device = context.Graph.Device;
        var results = new List<JudgedExample>(examples.Count);
        int position = 0;
        using var outer = torch.NewDisposeScope();
        var patchTensor = torch.tensor(patch.Texture, patch.Shape).to(device);
        var controlTensor = torch.tensor(control, patch.Shape).to(device);
        var mask = torch.tensor(geometry.Mask(), [1, patch.Shape[1], patch.Shape[2]]).to(device);
        foreach (var batch in context.Read(examples))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int count = batch.Labels.Length;
            var indices = examples.Skip(position).Take(count).ToArray();
            position += count;
            var draws = indices.Select(i => EotDraw.Sample(PatchSeeds.Random(context.Seed, PatchSeeds.Judge, areaIndex, i), geometry, settings.Region, settings.Eot)).ToList();
            var images = torch.tensor(batch.Pixels, batch.Shape).to(device);
            float[] patched, controlled;
            using (torch.no_grad())
            {
                patched = TensorConversion.ToHostFloats(PatchApplier.Apply(patchTensor, mask, images, draws));
                controlled = TensorConversion.ToHostFloats(PatchApplier.Apply(controlTensor, mask, images, draws));
            }
            var (clean, _) = Predict(batch.Pixels, batch.Shape);
            var (withPatch, confidence) = Predict(patched, batch.Shape);
            var (withControl, _) = Predict(controlled, batch.Shape);
            int size = batch.Pixels.Length / count;
            for (int k = 0; k < count; k++)
            {
                int label = batch.Labels[k];
                bool eligible = settings.Target is { } t ? label != t : clean[k] == label;
                bool Fooled(int prediction) => eligible && (settings.Target is { } target ? prediction == target : prediction != label);
                var judged = new JudgedExample(indices[k], label, eligible, clean[k], withPatch[k], withControl[k], Fooled(withPatch[k]), Fooled(withControl[k]), confidence[k]);
                results.Add(judged);
                observe?.Invoke(judged, patched.AsSpan(k * size, size).ToArray(), [.. batch.Shape[1..]]);
            }
            progress?.Invoke(count);
        }
        return results;
    }

    /// <summary>ONNX Runtime's predicted class and its softmax confidence per row.</summary>
    private (int[] Classes, float[] Confidence) Predict(float[] pixels, long[] shape)
    {
        var (data, inputShape) = context.Dataset.Mapping.ToModelInputHost(pixels, shape);
        var logits = Predictions.Scores(context.Runtime, new HostTensor(data, inputShape), inputShape[0]);
        int n = (int)shape[0], classes = logits.Length / n;
        var predicted = new int[n];
        var confidence = new float[n];
        for (int i = 0; i < n; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = 0;
            for (int j = 1; j < classes; j++) if (row[j] > row[best]) best = j;
            double total = 0;
            for (int j = 0; j < classes; j++) total += Math.Exp(row[j] - row[best]);
            predicted[i] = best;
            confidence[i] = (float)(1 / total);
        }
        return (predicted, confidence);
    }
}
