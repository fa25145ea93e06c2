using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Probes.Sdk.Analyzers;

/// <summary>
/// PROBES001: <c>[ProbePhase]</c> only marks a method; the Probes weaver (Probes.Fody) is what
/// makes it fire probes. Without the weaver the build succeeds and the phase never appears,
/// so every attribute application gets a warning at its own line. Whether the build weaves is
/// decided by MSBuild (<c>buildTransitive/Probes.Sdk.targets</c>: a Probes.Fody.dll among
/// Fody's <c>WeaverFiles</c>, Fody imported and not disabled) and handed over as the
/// compiler-visible property <c>ProbesWeaving</c>. Only an explicit <c>false</c> warns: a
/// build that did not run that target (the property is absent) cannot tell, and a false
/// alarm on a woven project would be worse than silence.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class UnwovenProbePhaseAnalyzer : DiagnosticAnalyzer
{
    public const string DiagnosticId = "PROBES001";

    internal const string WeavingProperty = "build_property.ProbesWeaving";

    private const string AttributeMetadataName = "Probes.ProbePhaseAttribute";

    internal static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "[ProbePhase] is not woven",
        messageFormat: "[ProbePhase] on '{0}' does nothing: this project is not woven by Probes.Fody. Add the Fody and Probes.Fody packages and <Probes /> in FodyWeavers.xml, or use Probe.Phase(...) instead.",
        category: "Probes",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "[ProbePhase] methods fire probes only after the Probes weaver (the Probes.Fody Fody add-in) rewrote them at build time. This project references Probes.Sdk but no Probes weaver runs in its build.");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (!start.Options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(WeavingProperty, out string? weaving)
                || !string.Equals(weaving.Trim(), "false", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
            INamedTypeSymbol? attribute = start.Compilation.GetTypeByMetadataName(AttributeMetadataName);
            if (attribute is null)
            {
                return;
            }
            start.RegisterSymbolAction(symbol => ReportApplications(symbol, attribute), SymbolKind.Method, SymbolKind.NamedType);
        });
    }

    private static void ReportApplications(SymbolAnalysisContext context, INamedTypeSymbol attribute)
    {
        foreach (AttributeData applied in context.Symbol.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(applied.AttributeClass, attribute))
            {
                continue;
            }
            Location location = applied.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation()
                ?? (context.Symbol.Locations.IsEmpty ? Location.None : context.Symbol.Locations[0]);
            string name = context.Symbol.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat);
            context.ReportDiagnostic(Diagnostic.Create(Rule, location, name));
        }
    }
}
