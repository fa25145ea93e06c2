using System.Numerics;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>
/// Emits the uprobe program for one USDT argument layout. Shape:
/// <code>
///   r7 = ctx (pt_regs *)
///   r6 = bpf_ringbuf_reserve(&amp;ring, record size, 0); if (!r6) { lost[0]++; return 0; }
///   header: ktime, pid_tgid, probe id (a constant, or the attachment's cookie), counts, comm, namespace fields (if a TaskLayout is given)
///   per argument: fetch (constant, register, or memory at segment + base + index*scale + disp + symbol), extend, store
///   per string argument: bpf_probe_read_user_str into its slot
///   bpf_ringbuf_submit(r6, wake-up flags); return 0;
/// </code>
/// r6 = record, r7 = pt_regs, r8 = current task; r1-r5 scratch; stack r10-8 and r10-16 scratch.
/// With <see cref="ProbeIdSource.AttachCookie"/> nothing in the code depends on the probe id, so
/// every site whose arguments are fetched the same way (same registers, sizes, strings) gets
/// byte-identical instructions and can share one loaded program.
/// </summary>
public static class UsdtProgramGenerator
{
    private const string LostLabel = "lost";
    private const string ExitLabel = "exit";
    private const string SubmitLabel = "submit";
    private const short StackScratch = -8;
    private const short StackLevel = -16;

    /// <summary>Deepest pid namespace level the direct (BTF) path resolves; deeper tasks get no namespace fields.</summary>
    public const int MaxDirectPidLevel = 7;

    public static IReadOnlyList<Instruction> Generate(UsdtProgramSpec spec, int ringFd, int lostFd, TaskLayout? task, RingWakeup wakeup,
        NamespaceAccess access = NamespaceAccess.ProbeRead, ProbeIdSource probeId = ProbeIdSource.Constant)
    {
        var b = new ProgramBuilder();
        b.Emit(Asm.Mov(Register.R7, Register.R1));
        EmitRecord(b, spec, spec.Layout(), ringFd, lostFd, task, wakeup, access, probeId, extraSlots: null);
        return b.Instructions;
    }

    /// <summary>
    /// From r7 = pt_regs on: reserves, fills and submits one record, then returns 0 (the ring
    /// being full counts in <paramref name="lostFd"/>'s slot 0). <paramref name="extraSlots"/> writes
    /// argument slots past the note's own (r6 = the record), as the phase-pairing programs do.
    /// </summary>
    internal static void EmitRecord(ProgramBuilder b, UsdtProgramSpec spec, UsdtRecordLayout layout, int ringFd, int lostFd, TaskLayout? task, RingWakeup wakeup,
        NamespaceAccess access, ProbeIdSource probeId, Action<ProgramBuilder>? extraSlots)
    {
        b.Emit(
            Asm.LoadMapFd(Register.R1, ringFd),
            Asm.Mov(Register.R2, layout.Size),
            Asm.Mov(Register.R3, 0),
            Asm.Call(HelperFunction.RingbufReserve),
            JumpOp.Equal.Imm(Register.R0, 0, LostLabel),
            Asm.Mov(Register.R6, Register.R0));

        EmitHeader(b, spec, layout, probeId);
        if (task is not null)
        {
            EmitNamespaces(b, task, access, "record");
        }
        for (int i = 0; i < spec.Arguments.Count; i++)
        {
            EmitArgument(b, spec, spec.Arguments[i], UsdtRecordLayout.ArgumentOffset(i));
        }
        extraSlots?.Invoke(b);
        foreach (int index in layout.StringArguments)
        {
            EmitString(b, UsdtRecordLayout.ArgumentOffset(index), layout.StringOffset(index), layout.StringLength);
        }
        EmitSubmit(b, ringFd, wakeup, layout.Size);
        b.Emit(Asm.Ja(ExitLabel));

        // The ring was full: count the loss where it happens, in a per-CPU counter user space sums.
        b.Label(LostLabel).Emit(Asm.StoreImm(Register.R10, -4, 0, Size.Word));
        b.Emit(
            Asm.LoadMapFd(Register.R1, lostFd),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, -4),
            Asm.Call(HelperFunction.MapLookupElem),
            JumpOp.Equal.Imm(Register.R0, 0, ExitLabel),
            Asm.Mov(Register.R1, 1),
            Asm.AtomicAdd(Register.R0, 0, Register.R1));
        b.Label(ExitLabel).Emit(Asm.Mov(Register.R0, 0));
        b.Emit(Asm.Exit());
    }

    /// <summary>
    /// Fills the namespace fields (pid namespace inode, mount namespace inode, namespace tid and
    /// pid, the flag) of the record r6 points to, which may be a ring record or one on the stack.
    /// <paramref name="labels"/> keeps the labels of two such walks in one program apart.
    /// </summary>
    internal static void EmitNamespaces(ProgramBuilder b, TaskLayout task, NamespaceAccess access, string labels)
    {
        if (access == NamespaceAccess.BtfDirect)
        {
            EmitNamespacesDirect(b, task, labels);
        }
        else
        {
            EmitNamespaces(b, task);
        }
    }

    private static void EmitHeader(ProgramBuilder b, UsdtProgramSpec spec, UsdtRecordLayout layout, ProbeIdSource probeId)
    {
        if (probeId == ProbeIdSource.AttachCookie)
        {
            // The low 32 bits of the site's cookie: which probe of the file fired.
            b.Emit(
                Asm.Mov(Register.R1, Register.R7),
                Asm.Call(HelperFunction.GetAttachCookie),
                Asm.StoreMem(Register.R6, UsdtRecordLayout.ProbeIdOffset, Register.R0, Size.Word));
        }
        else
        {
            b.Emit(Asm.StoreImm(Register.R6, UsdtRecordLayout.ProbeIdOffset, unchecked((int)spec.ProbeId), Size.Word));
        }
        b.Emit(
            Asm.Call(HelperFunction.KtimeGetNs),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.TimestampOffset, Register.R0, Size.DWord),
            Asm.Call(HelperFunction.GetCurrentPidTgid),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.TidOffset, Register.R0, Size.DWord),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.ArgumentCountOffset, layout.ArgumentCount, Size.Byte),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.FlagsOffset, 0, Size.Byte),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.StringLengthOffset, layout.StringLength, Size.Half),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.PidNamespaceOffset, 0, Size.DWord),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.NamespaceTidOffset, 0, Size.DWord),
            Asm.Mov(Register.R1, Register.R6),
            AluOp.Add.Imm(Register.R1, UsdtRecordLayout.CommOffset),
            Asm.Mov(Register.R2, UsdtRecordLayout.CommLength),
            Asm.Call(HelperFunction.GetCurrentComm));
    }

    private static void EmitNamespaces(ProgramBuilder b, TaskLayout t)
    {
        b.Emit(Asm.Call(HelperFunction.GetCurrentTask), Asm.Mov(Register.R8, Register.R0));

        // r9 = task->thread_pid; level*sizeof(upid) kept on the stack across calls.
        ReadKernelToStack(b, Register.R8, t.TaskThreadPid, 8);
        b.Emit(Asm.LoadMem(Register.R9, Register.R10, StackScratch, Size.DWord));
        b.Emit(Asm.StoreImm(Register.R10, StackLevel, 0, Size.DWord));
        ReadKernel(b, Register.R10, StackLevel, Register.R9, t.PidLevel, 4);
        b.Emit(
            Asm.LoadMem(Register.R1, Register.R10, StackLevel, Size.DWord),
            AluOp.Mul.Imm(Register.R1, t.UpidSize),
            Asm.StoreMem(Register.R10, StackLevel, Register.R1, Size.DWord));

        // ns tid = upid.nr; pidns inode = upid.ns->ns.inum.
        EmitUpidAddress(b, Register.R9, t.PidNumbers + t.UpidNr);
        ReadKernel(b, Register.R6, UsdtRecordLayout.NamespaceTidOffset, Register.R3, 0, 4);
        EmitUpidAddress(b, Register.R9, t.PidNumbers + t.UpidNs);
        ReadKernelToStack(b, Register.R3, 0, 8);
        b.Emit(Asm.LoadMem(Register.R3, Register.R10, StackScratch, Size.DWord));
        ReadKernel(b, Register.R6, UsdtRecordLayout.PidNamespaceOffset, Register.R3, t.PidNamespaceNs + t.NsCommonInum, 4);

        // ns pid = group_leader->thread_pid->numbers[level].nr (same namespace, same level).
        ReadKernelToStack(b, Register.R8, t.TaskGroupLeader, 8);
        b.Emit(Asm.LoadMem(Register.R9, Register.R10, StackScratch, Size.DWord));
        ReadKernelToStack(b, Register.R9, t.TaskThreadPid, 8);
        b.Emit(Asm.LoadMem(Register.R9, Register.R10, StackScratch, Size.DWord));
        EmitUpidAddress(b, Register.R9, t.PidNumbers + t.UpidNr);
        ReadKernel(b, Register.R6, UsdtRecordLayout.NamespacePidOffset, Register.R3, 0, 4);

        // mntns inode = task->nsproxy->mnt_ns->ns.inum.
        ReadKernelToStack(b, Register.R8, t.TaskNsproxy, 8);
        b.Emit(Asm.LoadMem(Register.R9, Register.R10, StackScratch, Size.DWord));
        ReadKernelToStack(b, Register.R9, t.NsproxyMountNamespace, 8);
        b.Emit(Asm.LoadMem(Register.R3, Register.R10, StackScratch, Size.DWord));
        ReadKernel(b, Register.R6, UsdtRecordLayout.MountNamespaceOffset, Register.R3, t.MountNamespaceNs + t.NsCommonInum, 4);
        b.Emit(Asm.StoreImm(Register.R6, UsdtRecordLayout.FlagsOffset, UsdtRecordLayout.FlagNamespaces, Size.Byte));
    }

    /// <summary>
    /// The same walk as <see cref="EmitNamespaces"/> with plain loads: bpf_get_current_task_btf
    /// returns a BTF-typed task pointer, so the verifier lets the program load through it (the
    /// JIT turns each load into a fault-safe probe load), which costs a few ns instead of a
    /// helper call each. The verifier wants constant offsets, so numbers[level] is one branch
    /// per level up to <see cref="MaxDirectPidLevel"/>. Every load from task_struct happens once,
    /// before the branches: the verifier walks task_struct's BTF (hundreds of members) for each
    /// such load, about half a millisecond apiece here, so one load per level made a program
    /// take 12-25 ms to load where it now takes a few.
    /// </summary>
    private static void EmitNamespacesDirect(ProgramBuilder b, TaskLayout t, string labels)
    {
        string done = $"{labels}_ns_done";
        b.Emit(
            Asm.Call(HelperFunction.GetCurrentTaskBtf),
            Asm.Mov(Register.R8, Register.R0),
            Asm.LoadMem(Register.R2, Register.R8, Field(t.TaskNsproxy), Size.DWord),        // task->nsproxy
            Asm.LoadMem(Register.R2, Register.R2, Field(t.NsproxyMountNamespace), Size.DWord), // ->mnt_ns
            Asm.LoadMem(Register.R2, Register.R2, Field(t.MountNamespaceNs + t.NsCommonInum), Size.Word),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.MountNamespaceOffset, Register.R2, Size.Word),
            Asm.LoadMem(Register.R9, Register.R8, Field(t.TaskThreadPid), Size.DWord),      // task->thread_pid
            Asm.LoadMem(Register.R4, Register.R8, Field(t.TaskGroupLeader), Size.DWord),    // task->group_leader
            Asm.LoadMem(Register.R4, Register.R4, Field(t.TaskThreadPid), Size.DWord),      // ->thread_pid
            Asm.LoadMem(Register.R1, Register.R9, Field(t.PidLevel), Size.Word));           // task->thread_pid->level
        for (int level = 0; level <= MaxDirectPidLevel; level++)
        {
            string next = $"{labels}_ns_level_{level + 1}";
            int upid = t.PidNumbers + level * t.UpidSize;
            b.Emit(
                JumpOp.NotEqual.Imm(Register.R1, level, next),
                Asm.LoadMem(Register.R2, Register.R9, Field(upid + t.UpidNr), Size.Word),  // numbers[level].nr
                Asm.StoreMem(Register.R6, UsdtRecordLayout.NamespaceTidOffset, Register.R2, Size.Word),
                Asm.LoadMem(Register.R2, Register.R9, Field(upid + t.UpidNs), Size.DWord), // numbers[level].ns
                Asm.LoadMem(Register.R2, Register.R2, Field(t.PidNamespaceNs + t.NsCommonInum), Size.Word),
                Asm.StoreMem(Register.R6, UsdtRecordLayout.PidNamespaceOffset, Register.R2, Size.Word),
                Asm.LoadMem(Register.R2, Register.R4, Field(upid + t.UpidNr), Size.Word),  // leader's numbers[level].nr
                Asm.StoreMem(Register.R6, UsdtRecordLayout.NamespacePidOffset, Register.R2, Size.Word),
                Asm.StoreImm(Register.R6, UsdtRecordLayout.FlagsOffset, UsdtRecordLayout.FlagNamespaces, Size.Byte),
                Asm.Ja(done));
            b.Label(next);
        }
        b.Emit(Asm.Mov(Register.R0, 0)); // too deep: namespace fields stay unset, the flag says so
        b.Label(done).Emit(Asm.Mov(Register.R0, 0));
    }

    /// <summary>A kernel structure offset as a load offset (s16); BTF offsets beyond that cannot be loaded directly.</summary>
    private static short Field(int offset) => offset is >= 0 and <= short.MaxValue
        ? (short)offset
        : throw new BpfException($"kernel structure offset {offset} does not fit a BPF load offset");

    /// <summary>r3 = pid + level*sizeof(upid) + fieldOffset.</summary>
    private static void EmitUpidAddress(ProgramBuilder b, Register pid, int fieldOffset) => b.Emit(
        Asm.LoadMem(Register.R3, Register.R10, StackLevel, Size.DWord),
        AluOp.Add.Reg(Register.R3, pid),
        AluOp.Add.Imm(Register.R3, fieldOffset));

    private static void ReadKernelToStack(ProgramBuilder b, Register source, int addend, int size) =>
        ReadKernel(b, Register.R10, StackScratch, source, addend, size);

    /// <summary><c>bpf_probe_read_kernel(destination + destinationOffset, size, source + addend)</c>.</summary>
    private static void ReadKernel(ProgramBuilder b, Register destination, int destinationOffset, Register source, int addend, int size)
    {
        if (source != Register.R3)
        {
            b.Emit(Asm.Mov(Register.R3, source));
        }
        if (addend != 0)
        {
            b.Emit(AluOp.Add.Imm(Register.R3, addend));
        }
        b.Emit(
            Asm.Mov(Register.R1, destination),
            AluOp.Add.Imm(Register.R1, destinationOffset),
            Asm.Mov(Register.R2, size),
            Asm.Call(HelperFunction.ProbeReadKernel));
    }

    /// <summary>Fetches one argument into the u64 at r6 + <paramref name="slot"/> (r7 = pt_regs); r1 keeps the value.</summary>
    internal static void EmitArgument(ProgramBuilder b, UsdtProgramSpec spec, UsdtArgument argument, int slot)
    {
        if (argument.Size is not (1 or 2 or 4 or 8))
        {
            throw new BpfException($"argument '{argument.Spec}' has size {argument.Size}; USDT sizes are 1, 2, 4 or 8");
        }
        switch (argument.Kind)
        {
            case UsdtArgumentKind.Constant when argument.Symbol is not null:
                // $sym: the symbol's run-time address, ip - site + sym + displacement.
                b.Emit(Asm.LoadMem(Register.R3, Register.R7, PtRegs.InstructionPointer, Size.DWord));
                EmitAddDisplacement(b, unchecked((long)(SymbolValue(argument) - spec.SiteVirtualAddress) + argument.Displacement));
                b.Emit(Asm.Mov(Register.R1, Register.R3));
                break;
            case UsdtArgumentKind.Constant:
                b.Emit(LoadConstant(Register.R1, argument.Displacement));
                break;
            case UsdtArgumentKind.Register:
                b.Emit(Asm.LoadMem(Register.R1, Register.R7, PtRegs.Offset(argument.Base), Size.DWord));
                if (argument.RegisterBitOffset != 0)
                {
                    b.Emit(AluOp.RightShift.Imm(Register.R1, argument.RegisterBitOffset)); // %ah..%dh: bits 8-15
                }
                break;
            case UsdtArgumentKind.Memory or UsdtArgumentKind.ScaleIndexBase or UsdtArgumentKind.RipRelative or UsdtArgumentKind.Absolute:
                EmitAddress(b, spec, argument);
                EmitReadUser(b, argument, slot);
                break;
            default:
                throw new BpfException($"argument '{argument.Spec}' has unsupported kind {argument.Kind}");
        }
        EmitExtend(b, argument);
        b.Emit(Asm.StoreMem(Register.R6, (short)slot, Register.R1, Size.DWord));
    }

    private static Instruction LoadConstant(Register dst, long value) =>
        value is >= int.MinValue and <= int.MaxValue ? Asm.Mov(dst, (int)value) : Asm.LoadImm64(dst, value);

    private static void EmitAddDisplacement(ProgramBuilder b, long displacement)
    {
        if (displacement == 0)
        {
            return;
        }
        if (displacement is >= int.MinValue and <= int.MaxValue)
        {
            b.Emit(AluOp.Add.Imm(Register.R3, (int)displacement));
        }
        else
        {
            b.Emit(Asm.LoadImm64(Register.R4, displacement), AluOp.Add.Reg(Register.R3, Register.R4));
        }
    }

    /// <summary>
    /// r3 = segment base + base + index * scale + displacement + symbol: every memory form is
    /// this sum with some terms absent. A symbol's address moves with the load bias, which the
    /// uprobe gives away: pt_regs->ip is the site's run-time address, so
    /// <c>ip - site vaddr + symbol vaddr</c> is the symbol's run-time address in a PIE or a
    /// shared object, and just the symbol's in a fixed-address executable (ip = site vaddr).
    /// %rip-relative operands are that sum without registers. A @tpoff symbol is already an
    /// offset from the thread pointer, which the %fs segment base adds.
    /// </summary>
    private static void EmitAddress(ProgramBuilder b, UsdtProgramSpec spec, UsdtArgument argument)
    {
        if (argument.Scale is not (1 or 2 or 4 or 8))
        {
            throw new BpfException($"argument '{argument.Spec}' has scale {argument.Scale}; x86 scales are 1, 2, 4 or 8");
        }
        if (argument.Segment != X86Segment.None)
        {
            EmitSegmentBaseToStack(b, spec, argument.Segment); // first: its helper calls clobber r1-r5
        }
        b.Emit(argument.Base is X86Register.None or X86Register.Rip
            ? Asm.Mov(Register.R3, 0)
            : Asm.LoadMem(Register.R3, Register.R7, PtRegs.Offset(argument.Base), Size.DWord));
        if (argument.Index != X86Register.None)
        {
            b.Emit(Asm.LoadMem(Register.R4, Register.R7, PtRegs.Offset(argument.Index), Size.DWord));
            if (argument.Scale > 1)
            {
                b.Emit(AluOp.LeftShift.Imm(Register.R4, BitOperations.Log2((uint)argument.Scale)));
            }
            b.Emit(AluOp.Add.Reg(Register.R3, Register.R4));
        }
        long constant = argument.Displacement;
        if (argument.Symbol is not null)
        {
            ulong symbol = SymbolValue(argument);
            if (argument.Relocation == UsdtSymbolRelocation.Address)
            {
                b.Emit(Asm.LoadMem(Register.R4, Register.R7, PtRegs.InstructionPointer, Size.DWord), AluOp.Add.Reg(Register.R3, Register.R4));
                constant = unchecked(constant + (long)(symbol - spec.SiteVirtualAddress));
            }
            else
            {
                constant = unchecked(constant + (long)symbol);
            }
        }
        else if (argument.Base == X86Register.Rip)
        {
            throw new BpfException($"argument '{argument.Spec}' is rip-relative without a symbol; its target cannot be known from the note");
        }
        if (argument.Segment != X86Segment.None)
        {
            b.Emit(Asm.LoadMem(Register.R4, Register.R10, StackScratch, Size.DWord), AluOp.Add.Reg(Register.R3, Register.R4));
        }
        EmitAddDisplacement(b, constant);
    }

    private static ulong SymbolValue(UsdtArgument argument) => argument.SymbolValue
        ?? throw new BpfException($"argument '{argument.Spec}' names symbol '{argument.Symbol}', which was not resolved to an address");

    /// <summary>
    /// Stack scratch = the current task's %fs (or %gs) base, <c>task->thread.fsbase</c>, read
    /// with bpf_probe_read_kernel (zero if that fails, so the argument then reads as 0). The
    /// kernel keeps it there for a task that set it through arch_prctl or clone (glibc does).
    /// </summary>
    private static void EmitSegmentBaseToStack(ProgramBuilder b, UsdtProgramSpec spec, X86Segment segment)
    {
        SegmentBaseOffsets offsets = spec.SegmentBases ?? SegmentBaseOffsets.RunningKernel;
        int offset = segment == X86Segment.Fs ? offsets.FsBase : offsets.GsBase;
        b.Emit(
            Asm.StoreImm(Register.R10, StackScratch, 0, Size.DWord),
            Asm.Call(HelperFunction.GetCurrentTask),
            Asm.Mov(Register.R3, Register.R0),
            AluOp.Add.Imm(Register.R3, offset),
            Asm.Mov(Register.R1, Register.R10),
            AluOp.Add.Imm(Register.R1, StackScratch),
            Asm.Mov(Register.R2, 8),
            Asm.Call(HelperFunction.ProbeReadKernel));
    }

    /// <summary>Zeroes the slot, reads <c>size</c> bytes from user address r3 into it (zeroed again on fault), loads it into r1.</summary>
    private static void EmitReadUser(ProgramBuilder b, UsdtArgument argument, int slot) => b.Emit(
        Asm.StoreImm(Register.R6, (short)slot, 0, Size.DWord),
        Asm.Mov(Register.R1, Register.R6),
        AluOp.Add.Imm(Register.R1, slot),
        Asm.Mov(Register.R2, argument.Size),
        Asm.Call(HelperFunction.ProbeReadUser),
        Asm.LoadMem(Register.R1, Register.R6, (short)slot, Size.DWord));

    /// <summary>Keeps the low <c>size</c> bytes of r1, sign- or zero-extended to 64 bits.</summary>
    private static void EmitExtend(ProgramBuilder b, UsdtArgument argument)
    {
        if (argument.Size == 8)
        {
            return;
        }
        int shift = 64 - argument.Size * 8;
        b.Emit(
            AluOp.LeftShift.Imm(Register.R1, shift),
            (argument.IsSigned ? AluOp.ArithmeticRightShift : AluOp.RightShift).Imm(Register.R1, shift));
    }

    /// <summary>What one record occupies in the ring: an 8-byte header, the data rounded up to 8.</summary>
    private static int RingRecordBytes(int size) => 8 + ((size + 7) & ~7);

    private static void EmitString(ProgramBuilder b, int argumentSlot, int stringSlot, int length) => b.Emit(
        Asm.LoadMem(Register.R3, Register.R6, (short)argumentSlot, Size.DWord),
        Asm.Mov(Register.R1, Register.R6),
        AluOp.Add.Imm(Register.R1, stringSlot),
        Asm.Mov(Register.R2, length),
        Asm.Call(HelperFunction.ProbeReadUserStr));

    /// <summary>
    /// Submits the record. Batched: no wake-up, except for the one submit that carries the
    /// pending data across the threshold; the records after it would only repeat a wake-up the
    /// reader already has (each costs the traced thread an irq_work), and the reader's timer
    /// poll covers a crossing missed in a race between CPUs.
    /// </summary>
    private static void EmitSubmit(ProgramBuilder b, int ringFd, RingWakeup wakeup, int recordSize)
    {
        if (!wakeup.Batched)
        {
            b.Emit(Asm.Mov(Register.R1, Register.R6), Asm.Mov(Register.R2, 0), Asm.Call(HelperFunction.RingbufSubmit));
            return;
        }
        b.Emit(
            Asm.LoadMapFd(Register.R1, ringFd),
            Asm.Mov(Register.R2, RingWakeup.AvailableData),
            Asm.Call(HelperFunction.RingbufQuery),
            Asm.Mov(Register.R2, (int)RingWakeup.NoWakeupFlag),
            JumpOp.Less.Imm(Register.R0, wakeup.ThresholdBytes, SubmitLabel),
            JumpOp.GreaterOrEqual.Imm(Register.R0, wakeup.ThresholdBytes + RingRecordBytes(recordSize), SubmitLabel),
            Asm.Mov(Register.R2, (int)RingWakeup.ForceWakeupFlag));
        b.Label(SubmitLabel).Emit(Asm.Mov(Register.R1, Register.R6));
        b.Emit(Asm.Call(HelperFunction.RingbufSubmit));
    }
}
