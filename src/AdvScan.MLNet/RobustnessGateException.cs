using AdvScan.Scanning;

namespace AdvScan.MLNet;

/// <summary>A gate of the ML.NET scan step failed; <see cref="Report"/> is the whole scan, for printing or saving.</summary>
public sealed class RobustnessGateException(ScanReport report)
    : Exception("AdvScan robustness gate failed: " + string.Join("; ", report.Gates.Where(g => g.Status == GateStatus.Fail).Select(g => g.Message)))
{
    /// <summary>The scan Fit ran, every gate verdict included.</summary>
    public ScanReport Report { get; } = report;
}
