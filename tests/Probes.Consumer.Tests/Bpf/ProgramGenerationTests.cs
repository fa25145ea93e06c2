using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>The shape of generated programs, checked as instruction sequences (no kernel).</summary>
[TestClass]
public sealed class ProgramGenerationTests
{
    private const int RingFd = 100;
    private const int LostFd = 101;

    [TestMethod]
    public void Register_argument_is_loaded_from_pt_regs_and_sign_extended()
    {
        var program = Generate("-4@%edi 8@-16(%rbp)");
        int slot0 = UsdtRecordLayout.ArgumentOffset(0);

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R1, Register.R7, 112, Size.DWord),          // r1 = regs->di
            AluOp.LeftShift.Imm(Register.R1, 32),
            AluOp.ArithmeticRightShift.Imm(Register.R1, 32),                 // (s64)(s32)
            Asm.StoreMem(Register.R6, (short)slot0, Register.R1, Size.DWord));
    }

    [TestMethod]
    public void Memory_argument_is_read_with_probe_read_user_at_base_plus_displacement()
    {
        var program = Generate("-4@%edi 8@-16(%rbp)");
        int slot1 = UsdtRecordLayout.ArgumentOffset(1);

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R3, Register.R7, 32, Size.DWord),           // r3 = regs->bp
            AluOp.Add.Imm(Register.R3, -16),
            Asm.StoreImm(Register.R6, (short)slot1, 0, Size.DWord),
            Asm.Mov(Register.R1, Register.R6),
            AluOp.Add.Imm(Register.R1, slot1),
            Asm.Mov(Register.R2, 8),
            Asm.Call(HelperFunction.ProbeReadUser),
            Asm.LoadMem(Register.R1, Register.R6, (short)slot1, Size.DWord),
            Asm.StoreMem(Register.R6, (short)slot1, Register.R1, Size.DWord));
        Assert.IsFalse(program.Any(i => i.OpCode == AluOp.LeftShift.Imm(Register.R1, 0).OpCode && i.Constant == 0), "8-byte values need no shift");
    }

    [TestMethod]
    public void Unsigned_small_argument_is_zero_extended()
    {
        var program = Generate("2@%r13w");

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R1, Register.R7, 16, Size.DWord),
            AluOp.LeftShift.Imm(Register.R1, 48),
            AluOp.RightShift.Imm(Register.R1, 48));
    }

    [TestMethod]
    public void Scale_index_base_argument_shifts_the_index_by_log2_of_the_scale()
    {
        var program = Generate("-8@16(%rdi,%rsi,8)");

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R3, Register.R7, 112, Size.DWord),
            Asm.LoadMem(Register.R4, Register.R7, 104, Size.DWord),
            AluOp.LeftShift.Imm(Register.R4, 3),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, 16));
    }

    [TestMethod]
    public void Constant_argument_is_a_move_and_a_store()
    {
        var program = Generate("-4@$42");

        AssertContainsSequence(program,
            Asm.Mov(Register.R1, 42),
            AluOp.LeftShift.Imm(Register.R1, 32),
            AluOp.ArithmeticRightShift.Imm(Register.R1, 32),
            Asm.StoreMem(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), Register.R1, Size.DWord));
    }

    [TestMethod]
    public void Rip_relative_argument_is_computed_from_the_probe_ip()
    {
        var spec = Resolved(TestSpecParser.ParseAll("-8@counter+8(%rip)"), 0x1469, ("counter", 0x4048));
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.Mov(Register.R3, 0),
            Asm.LoadMem(Register.R4, Register.R7, PtRegs.InstructionPointer, Size.DWord),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, 0x4048 + 8 - 0x1469));
    }

    [TestMethod]
    public void Symbol_with_an_index_and_no_base_adds_the_scaled_index_and_the_relocated_symbol()
    {
        // Non-PIE gcc -O2: table[i] as table(,%rdi,4). ip - site is 0 there, the load bias in a PIE.
        var spec = Resolved(TestSpecParser.ParseAll("-4@table-8(,%rdi,4)"), 0x401136, ("table", 0x404040));
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.Mov(Register.R3, 0),
            Asm.LoadMem(Register.R4, Register.R7, 112, Size.DWord),          // regs->di
            AluOp.LeftShift.Imm(Register.R4, 2),
            AluOp.Add.Reg(Register.R3, Register.R4),
            Asm.LoadMem(Register.R4, Register.R7, PtRegs.InstructionPointer, Size.DWord),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, 0x404040 - 8 - 0x401136),
            Asm.StoreImm(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), 0, Size.DWord));
    }

    [TestMethod]
    public void Absolute_symbol_is_read_at_its_relocated_address()
    {
        var spec = Resolved(UsdtArgumentParser.Parse("-8@counter+16"), 0x401136, ("counter", 0x404028));
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.Mov(Register.R3, 0),
            Asm.LoadMem(Register.R4, Register.R7, PtRegs.InstructionPointer, Size.DWord),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, 0x404028 + 16 - 0x401136),
            Asm.StoreImm(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), 0, Size.DWord));
    }

    [TestMethod]
    public void Absolute_number_is_read_at_that_address()
    {
        var program = UsdtProgramGenerator.Generate(new UsdtProgramSpec(1, UsdtArgumentParser.Parse("4@0x601040"), []), RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.Mov(Register.R3, 0),
            AluOp.Add.Imm(Register.R3, 0x601040),
            Asm.StoreImm(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), 0, Size.DWord));
    }

    [TestMethod]
    public void Address_constant_is_the_symbols_run_time_address()
    {
        var spec = Resolved(UsdtArgumentParser.Parse("8@$table+4"), 0x1140, ("table", 0x4020));
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R3, Register.R7, PtRegs.InstructionPointer, Size.DWord),
            AluOp.Add.Imm(Register.R3, 0x4020 + 4 - 0x1140),
            Asm.Mov(Register.R1, Register.R3),
            Asm.StoreMem(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), Register.R1, Size.DWord));
    }

    [TestMethod]
    public void High_byte_register_is_shifted_down_before_extension()
    {
        var program = UsdtProgramGenerator.Generate(new UsdtProgramSpec(1, UsdtArgumentParser.Parse("-1@%ah"), []), RingFd, LostFd, null, RingWakeup.EveryRecord);

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R1, Register.R7, 80, Size.DWord),           // regs->ax
            AluOp.RightShift.Imm(Register.R1, 8),
            AluOp.LeftShift.Imm(Register.R1, 56),
            AluOp.ArithmeticRightShift.Imm(Register.R1, 56));
    }

    [TestMethod]
    public void Thread_local_argument_adds_the_fs_base_read_from_the_task()
    {
        const int FsBase = 0x1a38;
        var arguments = UsdtArgumentParser.Parse("-4@%fs:tv@tpoff -8@%fs:tz@tpoff(,%rdi,8)");
        var spec = Resolved(arguments, 0x1140, ("tv", unchecked((ulong)-0x3c)), ("tz", unchecked((ulong)-0x30))) with
        {
            SegmentBases = new SegmentBaseOffsets(FsBase, FsBase + 8),
        };
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);

        Instruction[] fsBaseToStack =
        [
            Asm.StoreImm(Register.R10, -8, 0, Size.DWord),
            Asm.Call(HelperFunction.GetCurrentTask),
            Asm.Mov(Register.R3, Register.R0),
            AluOp.Add.Imm(Register.R3, FsBase),
            Asm.Mov(Register.R1, Register.R10),
            AluOp.Add.Imm(Register.R1, -8),
            Asm.Mov(Register.R2, 8),
            Asm.Call(HelperFunction.ProbeReadKernel),
        ];
        AssertContainsSequence(program, [.. fsBaseToStack,
            Asm.Mov(Register.R3, 0),
            Asm.LoadMem(Register.R4, Register.R10, -8, Size.DWord),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, -0x3c),
            Asm.StoreImm(Register.R6, (short)UsdtRecordLayout.ArgumentOffset(0), 0, Size.DWord)]);
        AssertContainsSequence(program, [.. fsBaseToStack,
            Asm.Mov(Register.R3, 0),
            Asm.LoadMem(Register.R4, Register.R7, 112, Size.DWord),
            AluOp.LeftShift.Imm(Register.R4, 3),
            AluOp.Add.Reg(Register.R3, Register.R4),
            Asm.LoadMem(Register.R4, Register.R10, -8, Size.DWord),
            AluOp.Add.Reg(Register.R3, Register.R4),
            AluOp.Add.Imm(Register.R3, -0x30)]);
        Assert.IsFalse(program.Any(i => i == Asm.LoadMem(Register.R4, Register.R7, PtRegs.InstructionPointer, Size.DWord)), "@tpoff does not move with the load bias");
    }

    [TestMethod]
    public void Unresolved_symbol_names_the_argument()
    {
        var spec = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-8@counter(%rip)"), []);

        var e = Assert.ThrowsExactly<BpfException>(() => UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord));

        Assert.AreEqual("argument '-8@counter(%rip)' names symbol 'counter', which was not resolved to an address", e.Message);
    }

    /// <summary>A spec whose symbol arguments carry the given link-time values, as the decoder resolves them.</summary>
    private static UsdtProgramSpec Resolved(IReadOnlyList<UsdtArgument> arguments, ulong site, params (string Name, ulong Value)[] symbols) =>
        new(1, arguments.Select(a => a.Symbol is { } name ? a with { SymbolValue = symbols.Single(s => s.Name == name).Value } : a).ToList(), [], SiteVirtualAddress: site);

    [TestMethod]
    public void String_argument_is_read_with_probe_read_user_str_into_its_slot()
    {
        var spec = new UsdtProgramSpec(3, TestSpecParser.ParseAll("-4@%edi 8@%rsi"), [1], StringLength: 64);
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);
        var layout = spec.Layout();

        AssertContainsSequence(program,
            Asm.LoadMem(Register.R3, Register.R6, (short)UsdtRecordLayout.ArgumentOffset(1), Size.DWord),
            Asm.Mov(Register.R1, Register.R6),
            AluOp.Add.Imm(Register.R1, layout.StringOffset(1)),
            Asm.Mov(Register.R2, 64),
            Asm.Call(HelperFunction.ProbeReadUserStr));
    }

    [TestMethod]
    public void Reserve_failure_increments_the_lost_counter()
    {
        var program = Generate("-4@%edi");
        int size = new UsdtRecordLayout(1, [], 0).Size;

        AssertContainsSequence(program,
            Asm.LoadMapFd(Register.R1, RingFd),
            Asm.Mov(Register.R2, size),
            Asm.Mov(Register.R3, 0),
            Asm.Call(HelperFunction.RingbufReserve),
            JumpOp.Equal.Imm(Register.R0, 0, "lost"));
        AssertContainsSequence(program,
            Asm.LoadMapFd(Register.R1, LostFd),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, -4),
            Asm.Call(HelperFunction.MapLookupElem),
            JumpOp.Equal.Imm(Register.R0, 0, "exit"),
            Asm.Mov(Register.R1, 1),
            Asm.AtomicAdd(Register.R0, 0, Register.R1)); // atomic: a preempting task's count is not overwritten
        Assert.IsTrue(Assembler.Marshal(program).Length > 0);
    }

    [TestMethod]
    public void Batched_wakeup_forces_a_wakeup_only_for_the_record_that_crosses_the_threshold()
    {
        var spec = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-4@%edi"), []);
        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.WhenPending(65536));
        int ringBytes = 8 + spec.Layout().Size; // header + record (64 bytes: already a multiple of 8)

        // Below the threshold: no wake-up. At or past threshold + this record: the crossing
        // record already woke the reader, so no wake-up either. Only in between: force one.
        AssertContainsSequence(program,
            Asm.Call(HelperFunction.RingbufQuery),
            Asm.Mov(Register.R2, (int)RingWakeup.NoWakeupFlag),
            JumpOp.Less.Imm(Register.R0, 65536, "submit"),
            JumpOp.GreaterOrEqual.Imm(Register.R0, 65536 + ringBytes, "submit"),
            Asm.Mov(Register.R2, (int)RingWakeup.ForceWakeupFlag));
    }

    [TestMethod]
    public void Namespace_fields_are_read_only_with_a_task_layout()
    {
        var spec = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-4@%edi"), []);
        var layout = new TaskLayout(100, 200, 300, 4, 64, 16, 0, 8, 24, 40, 8, 16);

        var without = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord);
        var withTask = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, layout, RingWakeup.EveryRecord);

        Assert.IsFalse(without.Contains(Asm.Call(HelperFunction.GetCurrentTask)));
        Assert.IsTrue(withTask.Contains(Asm.Call(HelperFunction.GetCurrentTask)));
        AssertContainsSequence(withTask, Asm.Mov(Register.R3, Register.R8), AluOp.Add.Imm(Register.R3, 100)); // task->thread_pid
        // thread_pid, level, nr, upid.ns, inum; group_leader, its thread_pid, nr; nsproxy, mnt_ns, inum.
        Assert.AreEqual(11, withTask.Count(i => i == Asm.Call(HelperFunction.ProbeReadKernel)));
    }

    [TestMethod]
    public void Direct_btf_access_loads_through_the_task_and_branches_per_pid_level()
    {
        var spec = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-4@%edi"), []);
        var t = new TaskLayout(100, 200, 300, 4, 64, 16, 0, 8, 24, 40, 8, 16);

        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, t, RingWakeup.EveryRecord, NamespaceAccess.BtfDirect);

        Assert.IsFalse(program.Contains(Asm.Call(HelperFunction.ProbeReadKernel)), "no helper calls for the walk");
        AssertContainsSequence(program,
            Asm.Call(HelperFunction.GetCurrentTaskBtf),
            Asm.Mov(Register.R8, Register.R0),
            Asm.LoadMem(Register.R2, Register.R8, 300, Size.DWord),   // task->nsproxy
            Asm.LoadMem(Register.R2, Register.R2, 40, Size.DWord),    // ->mnt_ns
            Asm.LoadMem(Register.R2, Register.R2, 8 + 16, Size.Word)); // ->ns.inum
        // Level 1 (a container): numbers[1] is at 64 + 16.
        AssertContainsSequence(program,
            JumpOp.NotEqual.Imm(Register.R1, 1, "record_ns_level_2"),
            Asm.LoadMem(Register.R2, Register.R9, 64 + 16 + 0, Size.Word),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.NamespaceTidOffset, Register.R2, Size.Word));
        Assert.AreEqual(UsdtProgramGenerator.MaxDirectPidLevel + 1, program.Count(i => i.OpCode == JumpOp.NotEqual.Imm(Register.R1, 0, "x").OpCode && i.Dst == Register.R1));
        // The ns pid: the group leader's struct pid, loaded once before the branches, read at numbers[1].nr.
        AssertContainsSequence(program,
            Asm.LoadMem(Register.R4, Register.R8, 200, Size.DWord),  // task->group_leader
            Asm.LoadMem(Register.R4, Register.R4, 100, Size.DWord)); // ->thread_pid
        AssertContainsSequence(program,
            Asm.LoadMem(Register.R2, Register.R4, 64 + 16 + 0, Size.Word),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.NamespacePidOffset, Register.R2, Size.Word));
    }

    [TestMethod]
    public void Direct_btf_access_loads_from_task_struct_once_per_field_not_once_per_pid_level()
    {
        // The verifier walks task_struct's BTF for every load from it (about half a millisecond
        // each here): a load per pid level made each program take 12-25 ms to load.
        var spec = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-4@%edi"), []);
        var t = new TaskLayout(100, 200, 300, 4, 64, 16, 0, 8, 24, 40, 8, 16);

        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, t, RingWakeup.EveryRecord, NamespaceAccess.BtfDirect);

        int firstBranch = program.ToList().FindIndex(i => i.OpCode == JumpOp.NotEqual.Imm(Register.R1, 0, "x").OpCode && i.Dst == Register.R1);
        var taskLoads = program.Select((instruction, index) => (instruction, index))
            .Where(x => x.instruction.OpCode == Asm.LoadMem(Register.R1, Register.R1, 0, Size.DWord).OpCode && x.instruction.Offset is 100 or 200 or 300)
            .ToList();
        // task->nsproxy, task->thread_pid, task->group_leader, and the leader's ->thread_pid.
        Assert.AreEqual(4, taskLoads.Count, string.Join("\n", taskLoads.Select(x => x.instruction)));
        Assert.IsTrue(taskLoads.All(x => x.index < firstBranch), "every task_struct load comes before the per-level branches");
    }

    [TestMethod]
    public void A_cookie_program_reads_the_probe_id_from_the_attach_cookie()
    {
        var spec = new UsdtProgramSpec(7, TestSpecParser.ParseAll("-4@%edi"), []);

        var program = UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord, probeId: ProbeIdSource.AttachCookie);

        AssertContainsSequence(program,
            Asm.Mov(Register.R1, Register.R7),
            Asm.Call(HelperFunction.GetAttachCookie),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.ProbeIdOffset, Register.R0, Size.Word));
        Assert.IsFalse(program.Any(i => i == Asm.StoreImm(Register.R6, UsdtRecordLayout.ProbeIdOffset, 7, Size.Word)), "no probe id compiled in");
    }

    [TestMethod]
    public void Sites_that_fetch_arguments_alike_get_the_same_cookie_program_whatever_their_probe()
    {
        var first = new UsdtProgramSpec(1, TestSpecParser.ParseAll("-4@%edi 8@%rsi"), [], SiteVirtualAddress: 0x1000);
        var other = new UsdtProgramSpec(2, TestSpecParser.ParseAll("-4@%edi 8@%rsi"), [], SiteVirtualAddress: 0x2000);
        var otherRegisters = new UsdtProgramSpec(3, TestSpecParser.ParseAll("-4@%edx 8@%rsi"), []);

        byte[] Cookie(UsdtProgramSpec spec) => Assembler.Marshal(UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord, probeId: ProbeIdSource.AttachCookie));
        byte[] Constant(UsdtProgramSpec spec) => Assembler.Marshal(UsdtProgramGenerator.Generate(spec, RingFd, LostFd, null, RingWakeup.EveryRecord));

        CollectionAssert.AreEqual(Cookie(first), Cookie(other), "same registers and sizes: one program serves both probes");
        CollectionAssert.AreNotEqual(Cookie(first), Cookie(otherRegisters), "another register: another program");
        CollectionAssert.AreNotEqual(Constant(first), Constant(other), "with the probe id compiled in, each probe needs its own");
    }

    private static IReadOnlyList<Instruction> Generate(string specs) =>
        UsdtProgramGenerator.Generate(new UsdtProgramSpec(1, TestSpecParser.ParseAll(specs), []), RingFd, LostFd, null, RingWakeup.EveryRecord);

    /// <summary>Asserts the instructions appear consecutively (labels ignored).</summary>
    private static void AssertContainsSequence(IReadOnlyList<Instruction> program, params Instruction[] expected)
    {
        var plain = program.Select(i => i with { Label = null }).ToArray();
        for (int start = 0; start + expected.Length <= plain.Length; start++)
        {
            if (expected.Select((e, k) => plain[start + k] == e).All(x => x))
            {
                return;
            }
        }
        Assert.Fail($"sequence not found:\n  {string.Join("\n  ", expected)}\nin program:\n  {string.Join("\n  ", program)}");
    }
}
