using AdvScan.Scanning.Checks;

namespace AdvScan.Scanning.Tests;

/// <summary>
/// Inputs the fuzzing harness (tools/Fuzz, target "config") found escaping the config reader as another exception than
/// <see cref="InvalidInputException"/>, rebuilt here: each must now be one located error.
/// </summary>
public sealed class ConfigFuzzFindingsTests
{
    [Theory]
    [InlineData("92233720368547758072")]
    [InlineData("-18446744073709551617")]
    [InlineData("1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000")]
    public void An_integer_literal_beyond_64_bits_is_a_located_error_for_integer_and_number_keys(string literal)
    {
        var section = ConfigSection.Parse("advscan.json", $$"""
            {
              "size": {{literal}},
              "eps": [0.1, {{literal}}]
            }
            """);
        var size = Assert.Throws<InvalidInputException>(() => section.Int("size", min: 1));
        Assert.Equal(2, size.Line);
        Assert.Contains("beyond 64 bits", size.Problem);
        var eps = Assert.Throws<InvalidInputException>(() => section.Numbers("eps", 0, 1));
        Assert.Equal(3, eps.Line);
    }
}
