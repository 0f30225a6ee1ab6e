using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace AdvScan.Analyzers;

/// <summary>ADV3003: advscan.json problems, located on the key or value in the JSON file itself.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ConfigFileAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.ConfigProblem);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var inputs = AdvScanInputs.From(start.Options);
            start.RegisterAdditionalFileAction(file =>
            {
                if (!inputs.Configs.Contains(file.AdditionalFile)) return;
                if (file.AdditionalFile.GetText(file.CancellationToken) is not { } text) return;
                foreach (var problem in ConfigProblems.Find(text.ToString()))
                {
                    var start = System.Math.Min(problem.Start, text.Length);
                    var span = new TextSpan(start, System.Math.Min(problem.Length, text.Length - start));
                    var location = Location.Create(file.AdditionalFile.Path, span, text.Lines.GetLinePositionSpan(span));
                    file.ReportDiagnostic(Diagnostic.Create(Descriptors.ConfigProblem, location, problem.Message));
                }
            });
        });
    }
}
