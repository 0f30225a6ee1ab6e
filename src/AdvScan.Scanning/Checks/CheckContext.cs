using AdvScan.Engine;
using AdvScan.Onnx;
using AdvScan.Runtime;

namespace AdvScan.Scanning.Checks;

/// <summary>
/// What a check runs against: the model (as ONNX Runtime serves it, and as a differentiable graph on demand), the
/// opened evaluation data and the scan's sample, the shard, seed and device, and the config entry it came from.
/// Owned by the scanner: a check disposes nothing it is handed here.
/// </summary>
public sealed class CheckContext
{
    private readonly Func<OnnxGraph> graph;

    public CheckContext(Func<OnnxGraph> graph) => this.graph = graph;

    public required OnnxModel Model { get; init; }

    /// <summary>The deployment runtime: every verdict a check reports should be ONNX Runtime's.</summary>
    public required ReferenceSession Runtime { get; init; }

    /// <summary>The scan's evaluation data, with the pixel mapping to the model's input.</summary>
    public required OpenedDataset Dataset { get; init; }

    /// <summary>The whole seeded sample, the same on every shard (for work that must not depend on the shard, such as optimising a universal patch).</summary>
    public required IReadOnlyList<int> Sample { get; init; }

    /// <summary>This shard's part of <see cref="Sample"/>: what counts evaluated here must come from, so shards add up exactly.</summary>
    public required IReadOnlyList<int> Indices { get; init; }

    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    public long Seed { get; init; }
    public string Device { get; init; } = "cpu";
    public int BatchSize { get; init; } = 64;

    /// <summary>The config file the check came from, or null when configured in code; relative paths in settings are already absolute.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The check's line in <see cref="ConfigFile"/>; 0 when configured in code.</summary>
    public int Line { get; init; }

    /// <summary>Opens another dataset (training data, a calibration set) for this model, with the scan's input spec overrides.</summary>
    public required Func<string, string?, OpenedDataset> OpenData { get; init; }

    /// <summary>Reports examples (or steps) done out of a total, for progress bars.</summary>
    public IProgress<(int Done, int Total)>? Progress { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Clean accuracy of this shard's part of the sample, as ONNX Runtime measured it before any check ran.</summary>
    public Proportion CleanAccuracy { get; init; }

    /// <summary>The configured evasion attacks' results (checks run after the attacks), for checks that judge them, e.g. gradient-masking flags.</summary>
    public IReadOnlyList<AttackReport> Attacks { get; init; } = [];

    /// <summary>The model's differentiable import on the scan's device; imported on first use and shared with the attacks.</summary>
    public OnnxGraph Graph => graph();

    public IReadOnlyList<string> ClassNames => Dataset.ClassNames;

    /// <summary>Reads examples of the evaluation data in batches of <see cref="BatchSize"/>.</summary>
    public IEnumerable<LabeledBatch> Read(IReadOnlyList<int> indices) => Dataset.Read(indices, BatchSize, CancellationToken);
}
