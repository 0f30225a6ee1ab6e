using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace AdvScan.Analyzers;

/// <summary>
/// At each line that loads an ONNX model by a constant path: ADV3001 when no AdvScanModel item gates that model, and
/// ADV3002 for each failed or near-threshold gate of the last scan of it (read from the SARIF under obj/), so the
/// verdict shows in code review and in the IDE where the model enters the program.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelLoadAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.UngatedModelLoad, Descriptors.ScanGateAtLoad);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var inputs = AdvScanInputs.From(start.Options);
            var gates = new List<SarifGate>();
            foreach (var sarif in inputs.Sarifs)
                if (sarif.GetText(start.CancellationToken) is { } text) gates.AddRange(SarifGate.Read(text.ToString()));
            start.RegisterOperationAction(c => Analyze(c, inputs, gates), OperationKind.ObjectCreation, OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, AdvScanInputs inputs, List<SarifGate> gates)
    {
        ImmutableArray<IArgumentOperation> arguments;
        IMethodSymbol? method;
        switch (context.Operation)
        {
            case IObjectCreationOperation create: method = create.Constructor; arguments = create.Arguments; break;
            case IInvocationOperation call: method = call.TargetMethod; arguments = call.Arguments; break;
            default: return;
        }
        if (method is null || !IsModelLoad(method)) return;
        foreach (var argument in arguments)
        {
            var path = ConstantPath(argument.Value);
            if (path is null || !path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) continue;
            var location = context.Operation.Syntax.GetLocation();
            if (!inputs.Gates(path))
            {
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.UngatedModelLoad, location, path, AdvScanInputs.FileName(path)));
                continue;
            }
            foreach (var gate in gates.Where(g => AdvScanInputs.SameFileName(g.Model, path)))
            {
                var verdict = gate.Level == "error" ? "failed gate" : "near-threshold gate";
                context.ReportDiagnostic(Diagnostic.Create(Descriptors.ScanGateAtLoad, location, verdict, gate.RuleId, AdvScanInputs.FileName(path), gate.Message));
            }
        }
    }

    /// <summary>
    /// The loaders that take a model path: ONNX Runtime's session, ML.NET's ApplyOnnxModel and AdvScan's own
    /// (OnnxModel.Load, ReferenceSession.Open, OnnxGraph.Import). Matched by name so the analyzer needs no reference to
    /// those assemblies, and a wrapper with the same name in another namespace is not missed.
    /// </summary>
    private static bool IsModelLoad(IMethodSymbol method)
    {
        var type = method.ContainingType?.Name;
        if (method.MethodKind == MethodKind.Constructor) return type == "InferenceSession";
        switch (method.Name)
        {
            case "ApplyOnnxModel": return true;
            case "Load": case "LoadAsync": return type == "OnnxModel";
            case "Open": return type == "ReferenceSession";
            case "Import": return type == "OnnxGraph";
            default: return false;
        }
    }

    /// <summary>A constant string, or Path.Combine of constants and anything else (only the constant tail matters here).</summary>
    private static string? ConstantPath(IOperation value)
    {
        while (value is IConversionOperation conversion) value = conversion.Operand;
        if (value.ConstantValue.HasValue) return value.ConstantValue.Value as string;
        if (value is IInvocationOperation { TargetMethod: { Name: "Combine", ContainingType.Name: "Path" } } combine)
        {
            var parts = new List<string>();
            foreach (var a in combine.Arguments)
            {
                if (a.Value is IArrayCreationOperation { Initializer: { } init })
                    parts.AddRange(init.ElementValues.Select(e => e.ConstantValue.Value as string ?? "*"));
                else parts.Add(a.Value.ConstantValue.Value as string ?? "*");
            }
            return string.Join("/", parts);
        }
        return null;
    }
}
