using AdvScan.Data;
using AdvScan.Engine;
using AdvScan.Scanning;

namespace AdvScan.Checks.Poisoning;

/// <summary>
/// Screens a training set for poison: representations of every sample, then each configured method per class, then
/// one ranked list. The library entry point behind the "poisoning" check and `advscan poison`.
/// </summary>
public static class PoisonScreening
{
    public static PoisoningResult Run(OnnxGraph graph, OpenedDataset data, PoisoningSettings settings, int batchSize = 256,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        var file = DataFile(data, settings);
        var extractor = new RepresentationExtractor(graph, settings.Layer);
        int classes = data.ClassNames.Count;
        var counts = new int[classes];
        foreach (var label in data.Labels) counts[label]++;
        for (int c = 0; c < classes; c++)
            if (counts[c] == 0)
                throw new InvalidInputException(file, $"class {c} ('{data.ClassNames[c]}') has no samples; poisoning is judged per class, so every class of the model must be present in the training set");
        var truth = settings.Truth is null ? null : LoadTruth(settings.Truth, data.Labels.Count);

        var representations = Representations.Extract(graph, extractor, data, classes, batchSize, progress, cancellationToken);
        var verdicts = new List<ClassVerdict>();
        for (int c = 0; c < classes; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (indices, rows) = representations.ByClass[c];
            if (settings.RunsClustering) verdicts.Add(ActivationClustering.Judge(c, indices, rows, settings));
            if (settings.RunsSpectral) verdicts.Add(SpectralSignatures.Judge(c, indices, rows, settings));
        }
        // Label agreement is measured once per flagged class and serves both methods' choice of the poison side.
        var agreement = new Dictionary<int, Dictionary<int, double>>();
        Dictionary<int, double> AgreementOf(int cls)
        {
            if (agreement.TryGetValue(cls, out var known)) return known;
            var members = representations.ByClass[cls].Indices;
            var values = LabelConsistency.Agreement(data, members, batchSize, graph.Device, cancellationToken);
            return agreement[cls] = members.Select((index, k) => (index, values[k])).ToDictionary(x => x.index, x => x.Item2);
        }
        for (int i = 0; i < verdicts.Count; i++)
            verdicts[i] = verdicts[i] switch
            {
                { Method: ActivationClustering.Name, Flagged: true } v => ChooseCluster(v, AgreementOf(v.Class)),
                { Method: SpectralSignatures.Name, Flagged: true } v => ChooseSide(v, AgreementOf(v.Class), settings),
                var v => v,
            };
        var suspected = Rank(verdicts, data);
        var figures = truth is null ? null : Figures(verdicts, suspected, truth);
        return new PoisoningResult(extractor.Description, representations.Dimensions, data.Labels.Count, data.ClassNames, verdicts, suspected, figures);
    }

    /// <summary>
    /// The smaller cluster is the poison (Chen et al.) unless the larger one agrees with its label clearly less in pixel
    /// space (by <see cref="AgreementMargin"/>): the dirty-label poison that outnumbers the genuine samples of its target.
    /// </summary>
    private static ClassVerdict ChooseCluster(ClassVerdict v, Dictionary<int, double> agreement)
    {
        double minority = v.Marked.Average(m => agreement[m.Index]), majority = v.Other.Average(m => agreement[m.Index]);
        string figures = FormattableString.Invariant($"label agreement of pixel-space neighbours {minority:0.00} in the smaller cluster, {majority:0.00} in the larger");
        return majority + AgreementMargin < minority
            ? v with { Marked = v.Other, Other = v.Marked, Agreement = (majority, minority), Choice = $"the larger cluster ({figures})" }
            : v with { Agreement = (minority, majority), Choice = $"the smaller cluster ({figures})" };
    }

    /// <summary>The same rule for spectral signatures' split along the top singular vector: the genuine side is the larger one unless its label agreement is clearly lower.</summary>
    private static ClassVerdict ChooseSide(ClassVerdict v, Dictionary<int, double> agreement, PoisoningSettings settings)
    {
        var sides = new[] { 0, 1 }.Select(s => v.Projection.Where(p => p.Side == s).ToList()).ToArray();
        int larger = sides[1].Count > sides[0].Count ? 1 : 0;
        double agreeLarger = sides[larger].Average(p => agreement[p.Index]), agreeSmaller = sides[1 - larger].Average(p => agreement[p.Index]);
        int genuine = agreeLarger + AgreementMargin < agreeSmaller ? 1 - larger : larger;
        string why = FormattableString.Invariant($"label agreement {agreeSmaller:0.00} on the smaller side, {agreeLarger:0.00} on the larger");
        var recentred = SpectralSignatures.Recentre(v, genuine, why, settings);
        return recentred with { Agreement = genuine == larger ? (agreeSmaller, agreeLarger) : (agreeLarger, agreeSmaller) };
    }

    /// <summary>How much lower the larger cluster's label agreement must be before it, not the smaller, is called the poison.</summary>
    public const double AgreementMargin = 0.2;

    /// <summary>Where a sample lives: the dataset's own description (file, or file and row) when it has one.</summary>
    public static string Locate(OpenedDataset data, int index) => data.Owner is IImageDataset d ? d.Describe(index) : $"#{index}";

    private static string DataFile(OpenedDataset data, PoisoningSettings settings) => data.Owner is IImageDataset d ? d.Name : settings.Data;

    /// <summary>
    /// One list from every method: each mark's score divided by the largest score its method gave in that class (so
    /// methods with different scales count alike), summed over the methods that marked the sample; a sample two methods
    /// agree on ranks above one only one marked.
    /// </summary>
    private static List<SuspectedSample> Rank(List<ClassVerdict> verdicts, OpenedDataset data)
    {
        var scores = new SortedDictionary<int, (double Score, List<string> Methods)>();
        foreach (var v in verdicts.Where(v => v.Flagged && v.Marked.Count > 0))
        {
            double top = v.Marked.Max(m => m.Score);
            foreach (var (index, score) in v.Marked)
            {
                var entry = scores.TryGetValue(index, out var e) ? e : (0, new List<string>());
                entry.Methods.Add(v.Method);
                scores[index] = (entry.Score + (top > 0 ? score / top : 1), entry.Methods);
            }
        }
        return scores.Select(kv => new SuspectedSample(kv.Key, Locate(data, kv.Key), data.Labels[kv.Key], kv.Value.Score, kv.Value.Methods))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Index).ToList();
    }

    private static HashSet<int> LoadTruth(string path, int samples)
    {
        var truth = BackdoorGroundTruth.Load(path);
        if (truth.PoisonedIndices is null)
            throw new InvalidInputException(path, "has no poisonedIndices");
        if (truth.TrainingImages != samples)
            throw new InvalidInputException(path, $"records {truth.TrainingImages} training images but the training set has {samples}; its poisonedIndices must index this set");
        foreach (var i in truth.PoisonedIndices)
            if (i < 0 || i >= samples) throw new InvalidInputException(path, $"poisoned index {i} is outside the {samples} training samples");
        return truth.PoisonedIndices.ToHashSet();
    }

    private static List<TruthFigures> Figures(List<ClassVerdict> verdicts, List<SuspectedSample> suspected, HashSet<int> truth)
    {
        TruthFigures Of(string method, IEnumerable<int> marked)
        {
            var set = marked.ToHashSet();
            return new TruthFigures(method, set.Count, set.Count(truth.Contains), truth.Count);
        }
        var figures = verdicts.Select(v => v.Method).Distinct()
            .Select(m => Of(m, verdicts.Where(v => v.Method == m).SelectMany(v => v.Marked.Select(x => x.Index)))).ToList();
        if (figures.Count > 1) figures.Add(Of("combined", suspected.Select(s => s.Index)));
        return figures;
    }
}
