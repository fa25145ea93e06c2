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

    /// <summary>What gcc 12 emits for globals, arrays and thread-locals at -O1..-O3 in PIE, non-PIE and shared objects.</summary>
    [TestMethod]
    public void ParsesSymbolRelativeAndThreadLocalForms()
    {
        const string spec = "-4@table(,%rax,4) -2@shorts(%rsi,%rsi) 1@bytes(%rsi) -8@st+8(%rip) -8@8+st(%rip) 1@3+bytes(%rip) " +
                            "-4@table-8(,%rsi,4) -8@counter 4@0x601040 -4@%fs:tv@tpoff -8@%fs:tz@tpoff(,%rdi,8) -4@%fs:(%rax) 8@$table+4";

        UsdtArgument[] expected =
        [
            Arg("-4@table(,%rax,4)", ScaleIndexBase, 4, true, None, Rax, 4, 0, "table"),
            Arg("-2@shorts(%rsi,%rsi)", ScaleIndexBase, 2, true, Rsi, Rsi, 1, 0, "shorts"),
            Arg("1@bytes(%rsi)", Memory, 1, false, Rsi, symbol: "bytes"),
            Arg("-8@st+8(%rip)", RipRelative, 8, true, Rip, displacement: 8, symbol: "st"),
            Arg("-8@8+st(%rip)", RipRelative, 8, true, Rip, displacement: 8, symbol: "st"),
            Arg("1@3+bytes(%rip)", RipRelative, 1, false, Rip, displacement: 3, symbol: "bytes"),
            Arg("-4@table-8(,%rsi,4)", ScaleIndexBase, 4, true, None, Rsi, 4, -8, "table"),
            Arg("-8@counter", Absolute, 8, true, symbol: "counter"),
            Arg("4@0x601040", Absolute, 4, false, displacement: 0x601040),
            Arg("-4@%fs:tv@tpoff", Absolute, 4, true, symbol: "tv") with { Segment = X86Segment.Fs, Relocation = UsdtSymbolRelocation.ThreadPointerOffset },
            Arg("-8@%fs:tz@tpoff(,%rdi,8)", ScaleIndexBase, 8, true, None, Rdi, 8, 0, "tz") with { Segment = X86Segment.Fs, Relocation = UsdtSymbolRelocation.ThreadPointerOffset },
            Arg("-4@%fs:(%rax)", Memory, 4, true, Rax) with { Segment = X86Segment.Fs },
            Arg("8@$table+4", Constant, 8, false, displacement: 4, symbol: "table"),
        ];

        CollectionAssert.AreEqual(expected, UsdtArgumentParser.Parse(spec).ToArray());
    }

    [TestMethod]
    public void ParsesFloatsHighByteRegistersAndEveryNumberBase()
    {
        CollectionAssert.AreEqual(
            new[]
            {
                Arg("8f@%rdx", Register, 8, false, Rdx) with { IsFloat = true },
                Arg("4f@-12(%rbp)", Memory, 4, false, Rbp, displacement: -12) with { IsFloat = true },
                Arg("-1@%ah", Register, 1, true, Rax) with { RegisterBitOffset = 8 },
                Arg("1@%dh", Register, 1, false, Rdx) with { RegisterBitOffset = 8 },
                Arg("8@010(%rax)", Memory, 8, false, Rax, displacement: 8),
                Arg("8@0b101(%rax)", Memory, 8, false, Rax, displacement: 5),
                Arg("8@0x10-2+1(%rax)", Memory, 8, false, Rax, displacement: 15),
                Arg("8@%ds:8(%rax)", Memory, 8, false, Rax, displacement: 8),
                Arg("-8@0xffffffffffffffc0(%rax)", Memory, 8, true, Rax, displacement: -64),
            },
            UsdtArgumentParser.Parse("8f@%rdx 4f@-12(%rbp) -1@%ah 1@%dh 8@010(%rax) 8@0b101(%rax) 8@0x10-2+1(%rax) 8@%ds:8(%rax) -8@0xffffffffffffffc0(%rax)").ToArray());
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
            string spec = $"-{widths[i]}@%{names[i]} {widths[i]}@8(%{names[0]}) 8@(%{names[0]},%rax,2)";
            IReadOnlyList<UsdtArgument> arguments = UsdtArgumentParser.Parse(spec);
            Assert.AreEqual(Arg($"-{widths[i]}@%{names[i]}", Register, widths[i], true, register), arguments[0]);
            Assert.AreEqual(Arg($"{widths[i]}@8(%{names[0]})", Memory, widths[i], false, register, displacement: 8), arguments[1]);
            Assert.AreEqual(Arg($"8@(%{names[0]},%rax,2)", ScaleIndexBase, 8, false, register, Rax, 2), arguments[2]);
            if (i > 0)
            {
                // Addresses are 64-bit: a narrower base (an x32 or hand-written form) is refused by name.
                var error = Assert.ThrowsExactly<UsdtSpecException>(() => UsdtArgumentParser.ParseArgument($"8@8(%{names[i]})"));
                Assert.AreEqual($"argument '8@8(%{names[i]})': base register '%{names[i]}' is not 64-bit; x86-64 addresses use %rax..%r15 and %rip", error.Message);
            }
        }
    }

    [TestMethod]
    [DataRow("4", "argument '4': expected SIZE@OPERAND")]
    [DataRow("3@%rax", "argument '3@%rax': size '3' is not one of 1, 2, 4, 8 (negative for signed, f for floating point)")]
    [DataRow("@%rax", "argument '@%rax': size '' is not one of 1, 2, 4, 8 (negative for signed, f for floating point)")]
    [DataRow("+4@%rax", "argument '+4@%rax': size '+4' is not one of 1, 2, 4, 8 (negative for signed, f for floating point)")]
    [DataRow("4g@%rax", "argument '4g@%rax': size '4g' is not one of 1, 2, 4, 8 (negative for signed, f for floating point)")]
    [DataRow("16@%rax", "argument '16@%rax': 16-byte values (long double, __int128) do not fit a 64-bit argument")]
    [DataRow("4@", "argument '4@': missing operand after '@'")]
    [DataRow("4@%eflags", "argument '4@%eflags': unknown register '%eflags'")]
    [DataRow("4@%xmm0", "argument '4@%xmm0': unknown register '%xmm0'")]
    [DataRow("8@%rip", "argument '8@%rip': %rip is only allowed as the base of a memory operand")]
    [DataRow("4@$", "argument '4@$': missing constant after '$'")]
    [DataRow("4@$0x", "argument '4@$0x': constant '0x' is not a number")]
    [DataRow("4@$09", "argument '4@$09': constant '09' is not a number")]
    [DataRow("4@$99999999999999999999", "argument '4@$99999999999999999999': constant '99999999999999999999' is not a number")]
    [DataRow("4@$a+b", "argument '4@$a+b': constant 'a+b' names two symbols, 'a' and 'b'")]
    [DataRow("4@$tv@tpoff", "argument '4@$tv@tpoff': a constant cannot be tv@tpoff")]
    [DataRow("8@-8(%rbp", "argument '8@-8(%rbp': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@(", "argument '8@(': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@8)", "argument '8@8)': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@((%rax))", "argument '8@((%rax))': expected $imm, %reg or a memory operand disp(%base[,%index[,scale]])")]
    [DataRow("8@x*2(%rbp)", "argument '8@x*2(%rbp)': unexpected '*2' in displacement 'x*2'")]
    [DataRow("8@8-(%rbp)", "argument '8@8-(%rbp)': displacement '8-' ends with an operator")]
    [DataRow("8@-sym(%rip)", "argument '8@-sym(%rip)': displacement '-sym' subtracts the symbol 'sym'; only adding one makes an address")]
    [DataRow("8@()", "argument '8@()': a memory operand needs a base or an index register inside its parentheses")]
    [DataRow("8@8(,,8)", "argument '8@8(,,8)': index '' is not a %register")]
    [DataRow("8@(%rax,%rbx,3)", "argument '8@(%rax,%rbx,3)': scale '3' is not 1, 2, 4 or 8")]
    [DataRow("8@(%rax,%rbx,8,1)", "argument '8@(%rax,%rbx,8,1)': a memory operand has at most base, index and scale")]
    [DataRow("8@(%rax,%rsp,2)", "argument '8@(%rax,%rsp,2)': %rsp cannot be an index register")]
    [DataRow("8@(%rax,%rip)", "argument '8@(%rax,%rip)': %rip cannot be an index register")]
    [DataRow("8@(%rax,rbx)", "argument '8@(%rax,rbx)': index 'rbx' is not a %register")]
    [DataRow("8@(%ah)", "argument '8@(%ah)': base register '%ah' is not 64-bit; x86-64 addresses use %rax..%r15 and %rip")]
    [DataRow("8@8(%rip)", "argument '8@8(%rip)': a %rip-relative operand needs a symbol (sym+disp(%rip)): its target is known only to the assembler")]
    [DataRow("8@sym(%rip,%rax,1)", "argument '8@sym(%rip,%rax,1)': a %rip-relative operand takes no index or scale")]
    [DataRow("8@sym@GOTPCREL(%rip)", "argument '8@sym@GOTPCREL(%rip)': 'sym@GOTPCREL' is not supported; of the relocation operators only @tpoff (under %fs:) names a place in memory")]
    [DataRow("4@tv@tpoff", "argument '4@tv@tpoff': tv@tpoff is an offset from the thread pointer: it is read through %fs:, without %rip")]
    [DataRow("4@%gs:tv@tpoff", "argument '4@%gs:tv@tpoff': tv@tpoff is an offset from the thread pointer: it is read through %fs:, without %rip")]
    [DataRow("4@%fs:tv", "argument '4@%fs:tv': a %fs: operand names a thread-local variable as tv@tpoff")]
    [DataRow("4@%fs:", "argument '4@%fs:': missing memory operand after the segment")]
    [DataRow("4@%xs:8", "argument '4@%xs:8': '%xs:' is not a segment register")]
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
    [DataRow("-4@table(,%rdi,4)", "4 signed bytes at *(rdi*4 + &table)")]
    [DataRow("-2@shorts-2(%rsi,%rsi)", "2 signed bytes at *(rsi + rsi*1 + &shorts - 2)")]
    [DataRow("-8@counter", "8 signed bytes at *(&counter)")]
    [DataRow("4@0x601040", "4 unsigned bytes at *(0x601040)")]
    [DataRow("-4@%fs:tv@tpoff", "4 signed bytes at *(fs base + tv@tpoff)")]
    [DataRow("8@$table", "8 unsigned bytes, the address &table")]
    [DataRow("1@%ah", "1 unsigned byte in bits 8-15 of rax")]
    [DataRow("8f@%rdx", "8 unsigned bytes of floating point in rdx")]
    public void DescribesArgumentsInWords(string spec, string words) =>
        Assert.AreEqual(words, UsdtArgumentText.Describe(UsdtArgumentParser.ParseArgument(spec)));
}
