namespace AdvScan.Scanning;

/// <summary>The scan's 64-bit seed folded to the 32 bits System.Random and the checks' own seeds take, the same way everywhere.</summary>
public static class SeedFolding
{
    public static int Fold(long seed) => unchecked((int)(seed ^ (seed >> 32)));
}
