using Probes.Consumer.Elf;
using Probes.Consumer.Tests.Support;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>
/// The operand fixture (Fixtures/operands.c) as PIE, fixed-address executable and shared
/// library at -O0, -O2 and -O3: every argument decodes, every symbol resolves to the value
/// binutils gives it, and the forms the issue names are really among them. Files without the
/// symbols (stripped) or with a name defined twice are listed with a per-argument error.
/// </summary>
[TestClass]
public sealed class OperandDecodingTests
{
    public static IEnumerable<object[]> Variants => OperandFixture.Variants;

    [TestMethod]
    [DynamicData(nameof(Variants))]
    public void EveryArgumentDecodesAndEverySymbolIsWhereReadelfSaysItIs(FixtureKind kind, string optimisation)
    {
        OperandFixture fixture = OperandFixture.Build(kind, optimisation);
        (IReadOnlyList<UsdtProbe> probes, IReadOnlyList<UsdtDecodedArguments> decoded) = Decode(fixture.ProbeFile);

        CollectionAssert.AreEquivalent(OperandFixture.ProbeNames, probes.Select(p => p.Name).ToList());
        for (int i = 0; i < probes.Count; i++)
        {
            Assert.IsEmpty(decoded[i].Errors, $"{probes[i]} \"{probes[i].Arguments}\": {string.Join("; ", decoded[i].Errors)}");
            Assert.HasCount(UsdtArgumentParser.Words(probes[i].Arguments).Length, decoded[i].Arguments);
            foreach (UsdtArgument argument in decoded[i].Arguments.Where(a => a.Symbol is not null && a.Relocation == UsdtSymbolRelocation.Address))
            {
                Assert.AreEqual(ReadelfTables.SymbolValue(fixture.ProbeFile, argument.Symbol!), argument.SymbolValue, $"{probes[i]}: {argument.Spec}");
            }
        }
        Console.WriteLine(string.Join('\n', probes.Select(p => $"{p.Name}: {p.Arguments}")));
    }

    /// <summary>The forms that failed before (issue 12): each variant holds the ones gcc writes for it.</summary>
    [TestMethod]
    [DataRow(FixtureKind.NonPie, "-O2", new[] { "sym(,%q,N)", "sym-N(,%q,N)", "sym+N(,%q,N)", "sym(%q,%q)", "sym(%q)", "sym(%rip)", "sym+N(%rip)", "%fs:sym@tpoff", "%fs:sym@tpoff(,%q,N)" })]
    [DataRow(FixtureKind.Pie, "-O3", new[] { "sym(%rip)", "N+sym(%rip)", "(%q,%q,N)", "-N(%q)", "%fs:sym@tpoff", "%fs:sym@tpoff(,%q,N)" })]
    [DataRow(FixtureKind.SharedLibrary, "-O2", new[] { "sym(%rip)", "N+sym(%rip)", "%fs:(%q)", "%fs:(%q,%q,N)", "N(%q)" })]
    [DataRow(FixtureKind.Pie, "-O0", new[] { "-N(%q)", "$N", "$-N", "f -N(%q)" })]
    public void TheFormsGccWritesAreAmongThem(FixtureKind kind, string optimisation, string[] forms)
    {
        OperandFixture fixture = OperandFixture.Build(kind, optimisation);
        (IReadOnlyList<UsdtProbe> probes, IReadOnlyList<UsdtDecodedArguments> decoded) = Decode(fixture.ProbeFile);
        var present = decoded.SelectMany(d => d.Arguments).Select(a => OperandForms.Of(a.Spec)).ToHashSet();
        // The probe written in assembly holds the forms no C expression makes gcc choose, in every variant.
        string[] written = ["%h", "sym", "sym+N", "$sym"];
        foreach (string form in forms.Concat(written))
        {
            Assert.Contains(form, present, $"{kind} {optimisation} has no '{form}' argument; it has {string.Join(", ", present.Order())}");
        }
        Assert.IsTrue(decoded.All(d => d.IsComplete));
        GC.KeepAlive(probes);
    }

    [TestMethod]
    public void A_stripped_file_lists_every_probe_and_says_which_symbols_are_missing()
    {
        OperandFixture fixture = OperandFixture.BuildStripped(FixtureKind.Pie, "-O2");
        (IReadOnlyList<UsdtProbe> probes, IReadOnlyList<UsdtDecodedArguments> decoded) = Decode(fixture.ProbeFile);
        var byName = probes.Zip(decoded).ToDictionary(p => p.First.Name, p => p.Second);

        CollectionAssert.AreEquivalent(OperandFixture.ProbeNames, byName.Keys.ToList());
        Assert.IsTrue(byName["widths"].IsComplete);
        Assert.IsTrue(byName["constants"].IsComplete);
        UsdtArgumentError counter = byName["globals"].Errors[0];
        Assert.AreEqual(new UsdtArgumentError(0, "-8@counter(%rip)", "symbol 'counter' is not defined in the file (searched .dynsym)"), counter);
        Assert.HasCount(5, byName["globals"].Errors, "counter, hidden_counter, pair twice and bytes: a PIE exports none of them");
        Assert.IsEmpty(byName["globals"].Arguments);
    }

    [TestMethod]
    public void A_name_defined_at_two_addresses_is_refused_not_guessed()
    {
        // Two translation units, each with its own static `level`: the note says only "level(%rip)".
        string output = FixtureCompiler.Build("twice", "gcc", ["-O2", FixtureCompiler.Source("ambiguous_a.c"), FixtureCompiler.Source("ambiguous_b.c")]);

        (IReadOnlyList<UsdtProbe> probes, IReadOnlyList<UsdtDecodedArguments> decoded) = Decode(output);

        Assert.HasCount(2, probes);
        foreach (UsdtDecodedArguments arguments in decoded)
        {
            Assert.HasCount(1, arguments.Errors);
            StringAssert.StartsWith(arguments.Errors[0].Reason, "symbol 'level' is defined 2 times at different addresses (0x");
            StringAssert.EndsWith(arguments.Errors[0].Reason, ") in .symtab; which one the probe reads cannot be told");
        }
    }

    private static (IReadOnlyList<UsdtProbe> Probes, IReadOnlyList<UsdtDecodedArguments> Decoded) Decode(string path)
    {
        using ElfFile elf = ElfFile.Open(File.OpenHandle(path), path);
        IReadOnlyList<UsdtProbe> probes = UsdtNoteReader.ReadProbes(elf);
        return (probes, UsdtArgumentDecoder.Decode(elf, probes));
    }
}
