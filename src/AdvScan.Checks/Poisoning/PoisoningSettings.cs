using System.Globalization;
using AdvScan.Engine;
using AdvScan.Scanning.Checks;

namespace AdvScan.Checks.Poisoning;

/// <summary>Which poisoning detector(s) to run.</summary>
public enum PoisonMethod { Clustering, Spectral, Both }

/// <summary>
/// Settings of the poisoning check. Defaults are the figures the decision rule was calibrated on (see the check's
/// README section in tests/fixtures/README.md and <see cref="ClassSeparation"/>).
/// </summary>
/// <param name="Data">The training set to screen (any format AdvScan reads), absolute.</param>
/// <param name="Labels">A separate labels file (IDX), when the data format needs one.</param>
/// <param name="Truth">A <c>*.backdoor.json</c> ground truth whose poisonedIndices index <paramref name="Data"/>: precision and recall are reported.</param>
/// <param name="ExpectedPoisonRate">Spectral signatures: the share of a poisoned class expected to be poison (Tran et al.'s epsilon).</param>
/// <param name="FlagShare">Spectral signatures mark the top <c>FlagShare x ExpectedPoisonRate</c> of a flagged class (1.5 in the paper).</param>
/// <param name="Layer">A node or value name to read representations from; null: the input of the last fully connected layer.</param>
/// <param name="Dimensions">Activation clustering reduces each class to this many principal components (Chen et al. used 10).</param>
/// <param name="Separation">
/// A class is flagged only when its 2-means split is this far apart: the distance between the two cluster means along
/// the axis joining them, in units of the pooled within-cluster standard deviation along it (Ashman's D). A unimodal
/// Gaussian split in half reads 2.65; the largest clean class measured read 5.7 (a Fashion-MNIST bag), the poisoned
/// mnist-badnets class 7.7.
/// </param>
/// <param name="MinClusterSize">A suspicious cluster smaller than this many samples is not a finding (noise, not a campaign).</param>
/// <param name="Images">How many of the most suspicious samples the HTML report shows.</param>
public sealed record PoisoningSettings(
    string Data,
    string? Labels = null,
    PoisonMethod Method = PoisonMethod.Both,
    string? Truth = null,
    double ExpectedPoisonRate = 0.1,
    double FlagShare = 1.5,
    string? Layer = null,
    int Dimensions = 10,
    double Separation = 6.0,
    int MinClusterSize = 5,
    int Images = 24,
    int Seed = 0) : CheckSettings
{
    public override string Describe() => FormattableString.Invariant(
        $"{MethodText} on {(Layer is null ? "the input of the last fully connected layer" : $"layer '{Layer}'")}; a class is flagged at a 2-means separation of {Separation} or more ({Dimensions} principal components for clustering, the top singular vector for spectral){(Method == PoisonMethod.Clustering ? "" : FormattableString.Invariant($"; spectral marks the top {FlagShare} x {ExpectedPoisonRate} of a flagged class"))}; seed {Seed}");

    private string MethodText => Method switch
    {
        PoisonMethod.Clustering => "activation clustering",
        PoisonMethod.Spectral => "spectral signatures",
        _ => "activation clustering and spectral signatures",
    };

    /// <summary>A named layer that the model lacks fails here, before any sample is read.</summary>
    public override void Validate(CheckContext context)
    {
        if (Layer is null) RepresentationExtractor.DefaultLayer(context.Model);
        else RepresentationExtractor.Resolve(context.Model, Layer);
    }

    public bool RunsClustering => Method is PoisonMethod.Clustering or PoisonMethod.Both;
    public bool RunsSpectral => Method is PoisonMethod.Spectral or PoisonMethod.Both;
}
