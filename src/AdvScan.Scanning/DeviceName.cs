using System.Globalization;

namespace AdvScan.Scanning;

/// <summary>The one check of device names, for configs, the CLI and code-first callers: cpu, cuda or cuda:N.</summary>
public static class DeviceName
{
    public static bool IsValid(string device) =>
        device == "cpu" || device == "cuda" ||
        (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _));
}
