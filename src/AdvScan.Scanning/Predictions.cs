using AdvScan.Onnx;
using AdvScan.Runtime;

namespace AdvScan.Scanning;

/// <summary>Clean accuracy of a sample, in total and per class, as ONNX Runtime measured it.</summary>
public sealed record CleanCounts(Proportion Accuracy, (int Correct, int Total)[] PerClass);

/// <summary>
/// The one place ONNX Runtime's outputs become verdicts: the predicted class (argmax of the logits) and its softmax
/// confidence, for host pixels in [0,1] behind the dataset's pixel mapping. Attacks, checks and clean accuracy all
/// judge through here, so "what the deployed model predicts" has one definition.
/// </summary>
public static class Predictions
{
    /// <summary>
    /// ONNX Runtime's first output (the logits) for a model input of <paramref name="rows"/> examples, refused when any
    /// value is NaN or infinite (<see cref="NonFiniteOutputsException"/>): every reader of the deployed model's scores
    /// (verdicts, clean accuracy, black-box queries, checks) goes through here, so none can read NaN as class 0.
    /// </summary>
    public static float[] Scores(ReferenceSession runtime, HostTensor input, long rows)
    {
        var scores = runtime.RunFirst(input).Data;
        if (Array.TrueForAll(scores, float.IsFinite)) return scores;
        long perRow = Math.Max(1, scores.Length / Math.Max(rows, 1));
        var badRows = new HashSet<long>();
        for (long i = 0; i < scores.Length; i++)
            if (!float.IsFinite(scores[i])) badRows.Add(i / perRow);
        throw new NonFiniteOutputsException(runtime.DisplayName, badRows.Count, (int)Math.Max(rows, badRows.Count));
    }

    /// <summary>The index of the largest value; only ever given finite values (<see cref="Scores"/>).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>ONNX Runtime's logits for host pixels [N,C,H,W] in [0,1], as [N * classes] row-major, and the class count.</summary>
    public static (float[] Logits, int Classes) Logits(ReferenceSession runtime, PixelMapping mapping, float[] pixels, long[] shape)
    {
        var (data, inputShape) = mapping.ToModelInputHost(pixels, shape);
        var logits = Scores(runtime, new HostTensor(data, inputShape), shape[0]);
        int count = checked((int)shape[0]);
        return (logits, count == 0 ? 0 : logits.Length / count);
    }

    /// <summary>ONNX Runtime's class and its softmax probability for every row.</summary>
    public static (int[] Classes, float[] Confidences) Predict(ReferenceSession runtime, PixelMapping mapping, float[] pixels, long[] shape)
    {
        var (logits, classes) = Logits(runtime, mapping, pixels, shape);
        int count = checked((int)shape[0]);
        var predictions = new int[count];
        var confidences = new float[count];
        for (int i = 0; i < count; i++)
        {
            var row = logits.AsSpan(i * classes, classes);
            int best = ArgMax(row);
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += Math.Exp((double)row[c] - row[best]);
            predictions[i] = best;
            confidences[i] = (float)(1 / sum);
        }
        return (predictions, confidences);
    }

}

/// <summary>
/// Clean accuracy counted batch by batch as a scan reads its sample, in total and per class (labels beyond the class
/// count extend the table), with every example's verdict in sample order for the sequential gates.
/// </summary>
public sealed class CleanTally(int classes)
{
    private readonly List<bool> correct = [];
    private (int Correct, int Total)[] perClass = new (int Correct, int Total)[Math.Max(classes, 1)];
    private int hits;

    /// <summary>Whether each example counted so far was classified correctly, in the order counted.</summary>
    public IReadOnlyList<bool> Correct => correct;

    public void Add(int[] predicted, int[] labels)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            int label = labels[i];
            if (label >= perClass.Length) Array.Resize(ref perClass, label + 1);
            bool hit = predicted[i] == label;
            perClass[label].Total++;
            if (hit) { hits++; perClass[label].Correct++; }
            correct.Add(hit);
        }
    }

    public CleanCounts Counts => new(Proportion.Of(hits, correct.Count), perClass.ToArray());
}
