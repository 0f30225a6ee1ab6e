using AdvScan.Scanning.Tests;
using System.Text.Json;
using AdvScan.Cli;

namespace AdvScan.Cli.Tests;

/// <summary>The options every command takes (--timeout, --verbose, --diagnostics, --limit-*), read once by CliApp.</summary>
public sealed class GlobalOptionsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("advscan-global-").FullName;

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Of(args);

    [Theory]
    [InlineData("--limit-max-step", "5", "unknown option --limit-max-step; the limits are ")]
    [InlineData("--limit-max-steps", "0", "option --limit-max-steps expects a whole number in [1, 2147483647], got '0'")]
    [InlineData("--limit-max-steps", "2147483648", "option --limit-max-steps expects a whole number in [1, 2147483647], got '2147483648'")]
    [InlineData("--timeout", "0", "option --timeout expects seconds in (0, 2000000], got '0'")]
    [InlineData("--timeout", "1e30", "option --timeout expects seconds in (0, 2000000], got '1e30'")]
    public void A_bad_global_option_is_one_line_and_exit_2(string option, string value, string problem)
    {
        var (exit, _, err) = Run("schema", option, value);

        Assert.Equal(CliApp.BadInput, exit);
        var line = Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + problem, line);
    }

    [Fact]
    public void The_help_lists_the_exit_codes_and_every_global_option_with_each_limits_default()
    {
        var (exit, output, _) = Run("--help");

        Assert.Equal(CliApp.Success, exit);
        Assert.Contains("124 --timeout ran out", output);
        Assert.Contains("--timeout SECONDS", output);
        Assert.Contains("--diagnostics FILE", output);
        Assert.All(ResourceLimits.All, l => Assert.Contains($"{l.Option} N ({l.Default})", output));
    }

    [Fact]
    public void Global_options_may_stand_anywhere_and_the_schema_is_still_written_as_a_document()
    {
        var (exit, output, err) = Run("--verbose", "schema", "--timeout", "60", "--limit-max-steps=10");

        Assert.True(exit == CliApp.Success, err);
        Assert.StartsWith("{\n", output, StringComparison.Ordinal);
        Assert.Contains("\"limits\"", output);
    }

    [Fact]
    public void Diagnostics_are_written_as_json_lines_for_bad_input_of_any_command()
    {
        var diagnostics = Path.Combine(folder, "d.jsonl");
        var missing = Path.Combine(folder, "missing.onnx");

        var (exit, _, err) = Run("model", "check", missing, "--diagnostics", diagnostics);

        Assert.Equal(CliApp.BadInput, exit);
        Assert.StartsWith("error: " + missing, err);
        using var d = JsonDocument.Parse(Assert.Single(File.ReadAllLines(diagnostics)));
        Assert.Equal("error", d.RootElement.GetProperty("severity").GetString());
        Assert.Equal(DiagnosticIds.BadInput, d.RootElement.GetProperty("code").GetString());
        Assert.Equal(missing, d.RootElement.GetProperty("file").GetString());
        Assert.Contains("does not exist", d.RootElement.GetProperty("message").GetString());
    }

    [Fact]
    public void Every_line_a_command_prints_is_one_line()
    {
        var stdout = new StringWriter();
        var lines = new LineWriter(stdout);

        lines.WriteLine("gate g\nsrc/Evil.cs(7,1): error ADV1002: forged\r\u001b[31m\u2028");
        lines.WriteLine(new string('x', 100_000));

        var written = stdout.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, written.Length);
        Assert.Equal(@"gate g\nsrc/Evil.cs(7,1): error ADV1002: forged\r\u001b[31m\u2028", written[0]);
        Assert.StartsWith(new string('x', LineWriter.MaxLine) + "...(", written[1]);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
