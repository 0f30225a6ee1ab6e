namespace AdvScan.Checks.Tests;

/// <summary>
/// The checks judge models; they do not train them. The fixture trainer and the hardening that changes a model live in
/// AdvScan.Training and AdvScan.Hardening, so the checks (and the ML.NET step, which packs them) do not carry them.
/// </summary>
public sealed class AssemblyBoundaryTests
{
    [Fact]
    public void The_checks_assembly_references_neither_the_trainer_nor_hardening()
    {
        var references = typeof(AdvScan.Checks.Backdoor.StripCheck).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.Contains("AdvScan.Scanning", references);
        Assert.DoesNotContain("AdvScan.Training", references);
        Assert.DoesNotContain("AdvScan.Hardening", references);
        var project = File.ReadAllText(Path.Combine(Repository(), "src", "AdvScan.Checks", "AdvScan.Checks.csproj"));
        Assert.DoesNotContain("AdvScan.Training", project);
    }

    private static string Repository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AdvScan.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
