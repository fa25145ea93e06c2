using Probes.Consumer.Usdt;
using static Probes.Consumer.Usdt.UsdtArgumentKind;
using static Probes.Consumer.Usdt.X86Register;

namespace Probes.Consumer.Tests.Usdt;

/// <summary>
/// Table tests of the x86-64 argument-spec parser, in the style of bcc's test_usdt_args.cc:
/// long spec strings holding many arguments, each checked in order, every operand form and
/// every register alias, and invalid specs with their precise error.
/// </summary>
[TestClass]
public sealed class UsdtArgumentParserTests
{
    private static UsdtArgument Arg(string spec, UsdtArgumentKind kind, int size, bool signed, X86Register @base = None, X86Register index = None, int scale = 1, long displacement = 0, string? symbol = null) =>
        new(spec, kind, size, signed, @base, index, scale, displacement, symbol);

    [TestMethod]
    public void ParsesEveryFormInOneSpec()
    {
        const string spec = "-4@$5 8@$-1 -8@$0x10 4@%edi -8@%rax 1@%al 2@%r9w -1@%r15b 8@-8(%rbp) -4@(%rsp) 2@0x18(%r12) " +
                            "8@16(%rax,%rbx,8) -4@-40(%rsp,%rdx,4) 1@(%rdi,%rsi) 8@(%r8,%r9,2) -8@fixture_counter(%rip) " +
                            "4@sym+12(%rip) 2@_ZN5probe4nameE-4(%rip) 8@.Lstate.lto_priv.0(%rip)";

        UsdtArgument[] expected =
        [
            Arg("-4@$5", Constant, 4, true, displacement: 5),
            Arg("8@$-1", Constant, 8, false, displacement: -1),
            Arg("-8@$0x10", Constant, 8, true, displacement: 16),
            Arg("4@%edi", Register, 4, false, Rdi),
            Arg("-8@%rax", Register, 8, true, Rax),
            Arg("1@%al", Register, 1, false, Rax),
            Arg("2@%r9w", Register, 2, false, R9),
            Arg("-1@%r15b", Register, 1, true, R15),
            Arg("8@-8(%rbp)", Memory, 8, false, Rbp, displacement: -8),
            Arg("-4@(%rsp)", Memory, 4, true, Rsp),
            Arg("2@0x18(%r12)", Memory, 2, false, R12, displacement: 24),
            Arg("8@16(%rax,%rbx,8)", ScaleIndexBase, 8, false, Rax, Rbx, 8, 16),
            Arg("-4@-40(%rsp,%rdx,4)", ScaleIndexBase, 4, true, Rsp, Rdx, 4, -40),
            Arg("1@(%rdi,%rsi)", ScaleIndexBase, 1, false, Rdi, Rsi, 1, 0),
            Arg("8@(%r8,%r9,2)", ScaleIndexBase, 8, false, R8, R9, 2, 0),
            Arg("-8@fixture_counter(%rip)", RipRelative, 8, true, Rip, displacement: 0, symbol: "fixture_counter"),
            Arg("4@sym+12(%rip)", RipRelative, 4, false, Rip, displacement: 12, symbol: "sym"),
            Arg("2@_ZN5probe4nameE-4(%rip)", RipRelative, 2, false, Rip, displacement: -4, symbol: "_ZN5probe4nameE"),
            Arg("8@.Lstate.lto_priv.0(%rip)", RipRelative, 8, false, Rip, symbol: ".Lstate.lto_priv.0"),
        ];

        CollectionAssert.AreEqual(expected, UsdtArgumentParser.Parse(spec).ToArray());
    }

    [TestMethod]
    public void EmptySpecHasNoArguments()
    {
        Assert.IsEmpty(UsdtArgumentParser.Parse(""));
        Assert.IsEmpty(UsdtArgumentParser.Parse("   "));
    }

    public static IEnumerable<object[]> RegisterAliases =>
        new (X86Register Register, string[] Names)[]
        {
            (Rax, ["rax", "eax", "ax", "al"]), (Rbx, ["rbx", "ebx", "bx", "bl"]),
            (Rcx, ["rcx", "ecx", "cx", "cl"]), (Rdx, ["rdx", "edx", "dx", "dl"]),
            (Rsi, ["rsi", "esi", "si", "sil"]), (Rdi, ["rdi", "edi", "di", "dil"]),
            (Rbp, ["rbp", "ebp", "bp", "bpl"]), (Rsp, ["rsp", "esp", "sp", "spl"]),
            (R8, ["r8", "r8d", "r8w", "r8b"]), (R9, ["r9", "r9d", "r9w", "r9b"]),
            (R10, ["r10", "r10d", "r10w", "r10b"]), (R11, ["r11", "r11d", "r11w", "r11b"]),
            (R12, ["r12", "r12d", "r12w", "r12b"]), (R13, ["r13", "r13d", "r13w", "r13b"]),
            (R14, ["r14", "r14d", "r14w", "r14b"]), (R15, ["r15", "r15d", "r15w", "r15b"]),
        }.Select(row => new object[] { row.Register, row.Names });

    [TestMethod]
    [DynamicData(nameof(RegisterAliases))]
    public void EveryRegisterNameInEveryWidthMapsToIts64BitRegister(X86Register register, string[] names)
    {
        int[] widths = [8, 4, 2, 1];
        for (int i = 0; i < names.Length; i++)
        {
            string spec = $"-{widths[i]}@%{names[i]} {widths[i]}@8(%{names[i]})";
            IReadOnlyList<UsdtArgument> arguments = UsdtArgumentParser.Parse(spec);
            Assert.AreEqual(Arg($"-{widths[i]}@%{names[i]}", Register, widths[i], true, register), arguments[0]);
            Assert.AreEqual(Arg($"{widths[i]}@8(%{names[i]})", Memory, widths[i], false, register, displacement: 8), arguments[1]);
        }
    }

    [TestMethod]
    [DataRow("4", "argument '4': expected SIZE@OPERAND")]
    [DataRow("3@%rax", "argument '3@%rax': size '3' is not one of 1, 2, 4, 8 (negative for signed)")]
    [DataRow("@%rax", "argument '@%rax': size '' is not one of 1, 2, 4, 8 (negative for signed)")]
    [DataRow("+4@%rax", "argument '+4@%rax': size '+4' is not one of 1, 2, 4, 8 (negative for signed)")]
    [DataRow("16@%rax", "argument '16@%rax': size '16' is not one of 1, 2, 4, 8 (negative for signed)")]
    [DataRow("4@", "argument '4@': missing operand after '@'")]
    [DataRow("4@%eflags", "argument '4@%eflags': unknown register '%eflags'")]
    [DataRow("1@%ah", "argument '1@%ah': unknown register '%ah'")]
    [DataRow("8@%rip", "argument '8@%rip': %rip is only allowed as the base of a memory operand")]
    [DataRow("4@$", "argument '4@$': constant '' is not a number")]
    [DataRow("4@$abc", "argument '4@$abc': constant 'abc' is not a number")]
    [DataRow("4@$0x", "argument '4@$0x': constant '0x' is not a number")]
    [DataRow("4@$99999999999999999999", "argument '4@$99999999999999999999': constant '99999999999999999999' is not a number")]
    [DataRow("8@rax", "argument '8@rax': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@-8(%rbp", "argument '8@-8(%rbp': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@x(%rbp)", "argument '8@x(%rbp)': displacement 'x' is not a number")]
    [DataRow("8@()", "argument '8@()': a memory operand without a base register is not supported")]
    [DataRow("8@8(,%rax,8)", "argument '8@8(,%rax,8)': a memory operand without a base register is not supported")]
    [DataRow("8@(%rax,%rbx,3)", "argument '8@(%rax,%rbx,3)': scale '3' is not 1, 2, 4 or 8")]
    [DataRow("8@(%rax,%rbx,8,1)", "argument '8@(%rax,%rbx,8,1)': a memory operand has at most base, index and scale")]
    [DataRow("8@(%rax,%rsp,2)", "argument '8@(%rax,%rsp,2)': %rsp cannot be an index register")]
    [DataRow("8@(%rax,rbx)", "argument '8@(%rax,rbx)': index 'rbx' is not a %register")]
    [DataRow("8@8(%rip)", "argument '8@8(%rip)': a %rip-relative operand needs a symbol (sym+disp(%rip))")]
    [DataRow("8@sym*2(%rip)", "argument '8@sym*2(%rip)': unexpected '*2' after symbol 'sym'")]
    [DataRow("8@sym(%rip,%rax,1)", "argument '8@sym(%rip,%rax,1)': a %rip-relative operand takes no index or scale")]
    public void InvalidArgumentsGiveThePreciseError(string spec, string message)
    {
        var error = Assert.ThrowsExactly<UsdtSpecException>(() => UsdtArgumentParser.Parse(spec));
        Assert.AreEqual(message, error.Message);
    }

    [TestMethod]
    public void ErrorForAProbeNamesTheProbeTheFileAndTheSpec()
    {
        var probe = new UsdtProbe("app", "request", 0x1000, 0x2000, 0, "8@%rdi 4@%xyz", 0x1000, 0);
        var error = Assert.ThrowsExactly<UsdtSpecException>(() => UsdtArgumentParser.Parse(probe, "/srv/app"));
        Assert.AreEqual("/srv/app: probe app:request: argument spec \"8@%rdi 4@%xyz\": argument '4@%xyz': unknown register '%xyz'", error.Message);
    }

    [TestMethod]
    [DataRow("-8@-8(%rbp)", "8 signed bytes at *(rbp - 8)")]
    [DataRow("4@%edi", "4 unsigned bytes in rdi")]
    [DataRow("-1@%al", "1 signed byte in rax")]
    [DataRow("-4@$-1", "4 signed bytes, the constant -1")]
    [DataRow("2@(%rsp)", "2 unsigned bytes at *(rsp)")]
    [DataRow("-4@-40(%rsp,%rdx,4)", "4 signed bytes at *(rsp + rdx*4 - 40)")]
    [DataRow("8@counter+16(%rip)", "8 unsigned bytes at *(&counter + 16)")]
    [DataRow("8@$-9223372036854775808", "8 unsigned bytes, the constant -9223372036854775808")]
    [DataRow("8@-9223372036854775808(%rax)", "8 unsigned bytes at *(rax - 9223372036854775808)")]
    public void DescribesArgumentsInWords(string spec, string words) =>
        Assert.AreEqual(words, UsdtArgumentText.Describe(UsdtArgumentParser.ParseArgument(spec)));
}
