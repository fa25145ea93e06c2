using System.Text.Json;
using Probes.Consumer.Cli;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Output;

/// <summary>Exact output of the text and JSON renderers, through a fake console.</summary>
[TestClass]
public sealed class RendererTests
{
    private static readonly UsdtProbe Guarded = new("probes", "phase_end", 0x1127, 0x2010, 0x400a, "4@%edi 8@%rsi 8@%rdx -4@%ecx", 0x1127, 0x300a);
    private static readonly UsdtProbe Plain = new("libstdcxx", "catch", 0xa7f05, 0x1c5973, 0, "8@%rdx 8@sym+8(%rip)", 0xa7f05, 0);

    private static ListedProbe Listed(UsdtProbe probe, TargetFile file) => new(file, probe, UsdtArgumentParser.Parse(probe.Arguments));

    private static (string Out, string Error) Render(IProbeRenderer renderer, params ListedProbe[] probes)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        renderer.Render(probes, output, new ConsoleDiagnostics(new CliConsole(output, error), verbose: false));
        return (output.ToString(), error.ToString());
    }

    [TestMethod]
    public void TextIsOneLinePerProbe()
    {
        (string output, string error) = Render(new TextProbeRenderer(verbose: false),
            Listed(Guarded, new TargetFile("/app/libprobes.so", "/app/libprobes.so")),
            Listed(Plain, new TargetFile("/usr/lib/libstdc++.so.6", "/proc/42/root/usr/lib/libstdc++.so.6", 42)));

        Assert.AreEqual(
            "/app/libprobes.so probes:phase_end pc=0x1127 semaphore=0x400a args=\"4@%edi 8@%rsi 8@%rdx -4@%ecx\"\n" +
            "/usr/lib/libstdc++.so.6 libstdcxx:catch pc=0xa7f05 semaphore=none args=\"8@%rdx 8@sym+8(%rip)\" pid=42\n",
            output.ReplaceLineEndings("\n"));
        Assert.AreEqual("", error);
    }

    [TestMethod]
    public void VerboseTextAddsOffsetsAndArgumentsInWords()
    {
        (string output, _) = Render(new TextProbeRenderer(verbose: true), Listed(Guarded, new TargetFile("/app/libprobes.so", "/app/libprobes.so")), Listed(Plain, new TargetFile("/l.so", "/l.so")));
        Assert.AreEqual(
            """
            /app/libprobes.so probes:phase_end pc=0x1127 semaphore=0x400a args="4@%edi 8@%rsi 8@%rdx -4@%ecx"
                site at file offset 0x1127, semaphore at file offset 0x300a
                arg0 4@%edi: 4 unsigned bytes in rdi
                arg1 8@%rsi: 8 unsigned bytes in rsi
                arg2 8@%rdx: 8 unsigned bytes in rdx
                arg3 -4@%ecx: 4 signed bytes in rcx
            /l.so libstdcxx:catch pc=0xa7f05 semaphore=none args="8@%rdx 8@sym+8(%rip)"
                site at file offset 0xa7f05, no semaphore
                arg0 8@%rdx: 8 unsigned bytes in rdx
                arg1 8@sym+8(%rip): 8 unsigned bytes at *(&sym + 8)

            """,
            output.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void JsonIsOneArrayWithNumbersAsNumbers()
    {
        (string output, _) = Render(new JsonProbeRenderer(verbose: false),
            Listed(Guarded, new TargetFile("/app/libprobes.so", "/app/libprobes.so")),
            Listed(Plain, new TargetFile("/usr/lib/libstdc++.so.6", "/proc/42/root/usr/lib/libstdc++.so.6", 42, "750281e108c5")));

        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement[] items = document.RootElement.EnumerateArray().ToArray();
        Assert.HasCount(2, items);

        JsonElement first = items[0];
        CollectionAssert.AreEqual(
            new[] { "file", "provider", "name", "pc", "base", "semaphore", "args", "pc_offset", "semaphore_offset" },
            first.EnumerateObject().Select(p => p.Name).ToArray(), "a file target carries no pid, host_path or container");
        Assert.AreEqual(JsonValueKind.Number, first.GetProperty("pc").ValueKind);
        Assert.AreEqual(0x1127UL, first.GetProperty("pc").GetUInt64());
        Assert.AreEqual(0x2010UL, first.GetProperty("base").GetUInt64());
        Assert.AreEqual(0x400aUL, first.GetProperty("semaphore").GetUInt64());
        Assert.AreEqual(0x300aUL, first.GetProperty("semaphore_offset").GetUInt64());
        Assert.AreEqual("4@%edi 8@%rsi 8@%rdx -4@%ecx", first.GetProperty("args").GetString());

        JsonElement second = items[1];
        Assert.AreEqual(0UL, second.GetProperty("semaphore").GetUInt64(), "no semaphore is 0");
        Assert.AreEqual(42, second.GetProperty("pid").GetInt32());
        Assert.AreEqual("/proc/42/root/usr/lib/libstdc++.so.6", second.GetProperty("host_path").GetString());
        Assert.AreEqual("750281e108c5", second.GetProperty("container").GetString());
        StringAssert.Contains(output, "\"8@%rdx 8@sym+8(%rip)\"", "spec strings are written as stored, without \\u escapes");
    }

    [TestMethod]
    public void VerboseJsonDecodesArguments()
    {
        (string output, _) = Render(new JsonProbeRenderer(verbose: true), Listed(Plain, new TargetFile("/l.so", "/l.so")));
        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement[] arguments = document.RootElement[0].GetProperty("arguments").EnumerateArray().ToArray();
        Assert.HasCount(2, arguments);
        Assert.AreEqual("Register", arguments[0].GetProperty("kind").GetString());
        Assert.AreEqual("rdx", arguments[0].GetProperty("base").GetString());
        Assert.AreEqual("RipRelative", arguments[1].GetProperty("kind").GetString());
        Assert.AreEqual("sym", arguments[1].GetProperty("symbol").GetString());
        Assert.AreEqual(8, arguments[1].GetProperty("displacement").GetInt64());
        Assert.AreEqual("8 unsigned bytes at *(&sym + 8)", arguments[1].GetProperty("description").GetString());
    }

    /// <summary>A probe of a stripped file: arg1 names a symbol the file no longer defines.</summary>
    private static ListedProbe Undecodable()
    {
        var probe = new UsdtProbe("app", "tick", 0x1140, 0x2004, 0, "-4@%edi -8@counter(%rip) 8@%rsi", 0x1140, 0);
        IReadOnlyList<UsdtArgument> all = UsdtArgumentParser.Parse(probe.Arguments);
        return new ListedProbe(new TargetFile("/app/tick", "/app/tick"), probe, [all[0], all[2]])
        {
            ArgumentErrors = [new UsdtArgumentError(1, "-8@counter(%rip)", "symbol 'counter' is not defined in the file (searched .dynsym)")],
        };
    }

    [TestMethod]
    public void TextListsAProbeWhoseArgumentsDoNotDecodeAndNotesOnceThatVerboseSaysWhy()
    {
        (string output, string error) = Render(new TextProbeRenderer(verbose: false), Undecodable(), Listed(Plain, new TargetFile("/l.so", "/l.so")));

        Assert.AreEqual(
            "/app/tick app:tick pc=0x1140 semaphore=none args=\"-4@%edi -8@counter(%rip) 8@%rsi\"\n" +
            "/l.so libstdcxx:catch pc=0xa7f05 semaphore=none args=\"8@%rdx 8@sym+8(%rip)\"\n",
            output.ReplaceLineEndings("\n"));
        Assert.AreEqual("probes: 1 probe(s) have arguments probes cannot decode, so they cannot be traced; --verbose says why\n", error.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void VerboseTextSaysWhyEachArgumentCannotBeDecoded()
    {
        (string output, string error) = Render(new TextProbeRenderer(verbose: true), Undecodable());

        Assert.AreEqual(
            """
            /app/tick app:tick pc=0x1140 semaphore=none args="-4@%edi -8@counter(%rip) 8@%rsi"
                site at file offset 0x1140, no semaphore
                arg0 -4@%edi: 4 signed bytes in rdi
                arg1 -8@counter(%rip): cannot be decoded: symbol 'counter' is not defined in the file (searched .dynsym)
                arg2 8@%rsi: 8 unsigned bytes in rsi

            """,
            output.ReplaceLineEndings("\n"));
        Assert.AreEqual("", error);
    }

    [TestMethod]
    public void JsonCarriesArgumentErrorsAndVerboseJsonEachArgumentInItsPlace()
    {
        (string plain, _) = Render(new JsonProbeRenderer(verbose: false), Undecodable(), Listed(Guarded, new TargetFile("/a.so", "/a.so")));
        using (JsonDocument document = JsonDocument.Parse(plain))
        {
            JsonElement error = document.RootElement[0].GetProperty("argument_errors").EnumerateArray().Single();
            Assert.AreEqual(1, error.GetProperty("index").GetInt32());
            Assert.AreEqual("-8@counter(%rip)", error.GetProperty("spec").GetString());
            Assert.AreEqual("symbol 'counter' is not defined in the file (searched .dynsym)", error.GetProperty("error").GetString());
            Assert.IsFalse(document.RootElement[1].TryGetProperty("argument_errors", out _), "a probe that decodes has no argument_errors");
        }

        (string verbose, _) = Render(new JsonProbeRenderer(verbose: true), Undecodable());
        using (JsonDocument document = JsonDocument.Parse(verbose))
        {
            JsonElement[] arguments = document.RootElement[0].GetProperty("arguments").EnumerateArray().ToArray();
            CollectionAssert.AreEqual(new[] { "-4@%edi", "-8@counter(%rip)", "8@%rsi" }, arguments.Select(a => a.GetProperty("spec").GetString()).ToArray());
            Assert.AreEqual("Register", arguments[0].GetProperty("kind").GetString());
            Assert.AreEqual("symbol 'counter' is not defined in the file (searched .dynsym)", arguments[1].GetProperty("error").GetString());
            Assert.IsFalse(arguments[1].TryGetProperty("kind", out _));
            Assert.AreEqual("rsi", arguments[2].GetProperty("base").GetString());
        }
    }

    [TestMethod]
    public void VerboseJsonShowsResolvedSymbolsSegmentsAndFloats()
    {
        var probe = new UsdtProbe("app", "tls", 0x1140, 0, 0, "-4@%fs:tv@tpoff 8f@real(%rip) 1@%ah", 0x1140, 0);
        IReadOnlyList<UsdtArgument> parsed = UsdtArgumentParser.Parse(probe.Arguments);
        ListedProbe listed = new(new TargetFile("/app/tls", "/app/tls"), probe,
            [parsed[0] with { SymbolValue = unchecked((ulong)-0x3c) }, parsed[1] with { SymbolValue = 0x4010 }, parsed[2]]);
        (string output, _) = Render(new JsonProbeRenderer(verbose: true), listed);
        using JsonDocument document = JsonDocument.Parse(output);
        JsonElement[] arguments = document.RootElement[0].GetProperty("arguments").EnumerateArray().ToArray();

        Assert.AreEqual("fs", arguments[0].GetProperty("segment").GetString());
        Assert.IsTrue(arguments[0].GetProperty("tpoff").GetBoolean());
        Assert.AreEqual(unchecked((ulong)-0x3c), arguments[0].GetProperty("symbol_value").GetUInt64());
        Assert.AreEqual("4 signed bytes at *(fs base + tv@tpoff), tv@tpoff = -60", arguments[0].GetProperty("description").GetString());
        Assert.IsTrue(arguments[1].GetProperty("float").GetBoolean());
        Assert.AreEqual("8 unsigned bytes of floating point at *(&real), real at 0x4010 before relocation", arguments[1].GetProperty("description").GetString());
        Assert.AreEqual(8, arguments[2].GetProperty("bit_offset").GetInt32());
    }

    [TestMethod]
    public void EmptyListIsAnEmptyJsonArray()
    {
        (string output, _) = Render(new JsonProbeRenderer(verbose: false));
        Assert.AreEqual("[]", output.Trim());
    }
}
