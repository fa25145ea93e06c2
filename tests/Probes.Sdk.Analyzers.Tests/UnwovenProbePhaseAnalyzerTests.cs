using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Probes.Sdk.Analyzers;

namespace Probes.Sdk.Analyzers.Tests;

[TestClass]
public sealed class UnwovenProbePhaseAnalyzerTests
{
    private const string Phases = """
        using Probes;
        using System.Threading.Tasks;

        public sealed class Work
        {
            [ProbePhase]
            public void Load() { }

            [ProbePhase("Save")]
            public Task SaveAsync() => Task.CompletedTask;

            [ProbePhase]
            public Work() { }
        }

        [ProbePhase]
        public sealed class Api
        {
            public void Get() { }
        }
        """;

    [TestMethod]
    public async Task Warns_at_every_attribute_when_the_build_does_not_weave()
    {
        ImmutableArray<Diagnostic> found = await Analyze(Phases, weaving: "false");

        Assert.IsTrue(found.All(d => d.Id == "PROBES001" && d.Severity == DiagnosticSeverity.Warning), string.Join("\n", found));
        CollectionAssert.AreEquivalent(new[] { 6, 9, 12, 16 }, found.Select(Line).ToList(), string.Join("\n", found));
        string load = found.Single(d => Line(d) == 6).GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        StringAssert.Contains(load, "'Work.Load()'");
        StringAssert.Contains(load, "Probes.Fody");
        StringAssert.Contains(found.Single(d => Line(d) == 16).GetMessage(System.Globalization.CultureInfo.InvariantCulture), "'Api'");
    }

    [TestMethod]
    [DataRow("true")]
    [DataRow(null)]
    [DataRow("")]
    public async Task Is_quiet_when_the_build_weaves_or_cannot_tell(string? weaving)
    {
        ImmutableArray<Diagnostic> found = await Analyze(Phases, weaving);
        Assert.IsEmpty(found, string.Join("\n", found));
    }

    [TestMethod]
    public async Task Is_quiet_for_the_manual_api_without_the_weaver()
    {
        const string manual = """
            using Probes;

            public static class Work
            {
                public static void Load()
                {
                    using (Probe.Phase("Load")) { }
                }
            }
            """;
        ImmutableArray<Diagnostic> found = await Analyze(manual, weaving: "false");
        Assert.IsEmpty(found, string.Join("\n", found));
    }

    [TestMethod]
    public async Task Ignores_an_attribute_of_the_same_name_from_another_namespace()
    {
        const string other = """
            namespace Mine
            {
                [System.AttributeUsage(System.AttributeTargets.Method)]
                public sealed class ProbePhaseAttribute : System.Attribute { }

                public static class Work
                {
                    [ProbePhase]
                    public static void Load() { }
                }
            }
            """;
        ImmutableArray<Diagnostic> found = await Analyze(other, weaving: "false");
        Assert.IsEmpty(found, string.Join("\n", found));
    }

    private static int Line(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1;

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string source, string? weaving)
    {
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        MetadataReference[] references =
        [
            .. new[] { "System.Runtime.dll", "System.Private.CoreLib.dll", "netstandard.dll" }.Select(name => MetadataReference.CreateFromFile(Path.Combine(runtime, name))),
            MetadataReference.CreateFromFile(typeof(ProbePhaseAttribute).Assembly.Location),
        ];
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Newcomer",
            [CSharpSyntaxTree.ParseText(source, path: "Program.cs")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        ImmutableArray<Diagnostic> errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
        Assert.IsEmpty(errors, "the snippet must compile: " + string.Join("\n", errors));

        var options = new AnalyzerOptions([], new BuildProperties(weaving));
        return await compilation.WithAnalyzers([new UnwovenProbePhaseAnalyzer()], options).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>What the generated .editorconfig gives the analyzer: build_property.ProbesWeaving, or nothing.</summary>
    private sealed class BuildProperties(string? weaving) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(weaving);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(null);

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(null);
    }

    private sealed class Options(string? weaving) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value)
        {
            value = key == "build_property.ProbesWeaving" ? weaving : null;
            return value is not null;
        }
    }
}
