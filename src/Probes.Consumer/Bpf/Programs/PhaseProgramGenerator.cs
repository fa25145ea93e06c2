using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Ring;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>Descriptors of the maps the pairing programs use (see <see cref="Maps.PhaseMaps"/> for their layouts).</summary>
public readonly record struct PhaseMapDescriptors(int Pending, int Histogram, int Statistics, int Seen, int Counters);

/// <summary>
/// The phase_begin and phase_end programs that pair phases in the kernel (Probe ABI v1:
/// <c>phase_begin(id, name, span, parent)</c>, <c>phase_end(id, name, span, status)</c>).
/// Both first build the record header, namespace fields and the id, span and parent/status
/// arguments in a record on the stack (r6 = r10 + <see cref="RecordBase"/>), the same code the
/// ring records use, then:
/// <code>
///   begin: pending[(tgid, span)] = (ts, parent, id, container)      (LRU hash)
///   end:   b = pending[(tgid, span)]; if (!b) { ends_without_begin++; return; }
///          d = ts - b.ts; container = b.container; delete pending[(tgid, span)]
///          histogram[(id, status, container, bucket(d))] += 1      (per-CPU hash, atomic add)
///          statistics[(id, status, container)]: count += 1, total += d, ~min, max (cmpxchg)
///          send a full record (+ d, parent) if status != 0, d &gt;= slow, or the first end of
///          this id in this process (seen, LRU hash), or when every event is wanted
/// </code>
/// The container key is the record's (pid namespace inode, mount namespace inode) as one u64,
/// the pair user space attributes records by, and the cgroup id (namespace inodes are reused). Counts use atomic adds: a uprobe program runs
/// with migration disabled but may be preempted, so a plain load-add-store could lose one.
/// </summary>
public static class PhaseProgramGenerator
{
    /// <summary>Slots a sent phase_end record carries past the note's four: the duration (ns), the begin's parent span, the cgroup id (the container key's second half).</summary>
    public const int EndExtraSlots = 3;

    public const int DurationSlot = 4;
    public const int ParentSlot = 5;
    public const int CgroupSlot = 6;

    private const int IdArgument = 0;
    private const int SpanArgument = 2;
    private const int ParentOrStatusArgument = 3;

    // Stack frame below the 16 bytes of scratch the record code uses (r10-16..r10-1).
    private const short RecordBase = -104;          // 56-byte header + 4 argument slots, ends at -17
    private const short PendingKey = -120;          // u32 tgid, u32 0, u64 span
    private const short PendingValue = -160;        // u64 ts, u64 parent, u32 id, u32 0, u64 namespaces, u64 cgroup
    private const short HistogramKey = -192;        // u32 id, u32 status, u64 namespaces, u64 cgroup, u32 bucket, u32 0
    private const short StatisticsKey = -216;       // u32 id, u32 status, u64 namespaces, u64 cgroup
    private const short StatisticsValue = -248;     // u64 count, total, ~min, max
    private const short One = -256;
    private const short SeenKey = -264;             // u32 tgid, u32 id
    private const short SeenValue = -272;
    private const short Duration = -280;
    private const short Parent = -288;
    private const short CounterKey = -296;
    private const short Cgroup = -304;

    private const int NoExist = 1; // BPF_NOEXIST
    private const int MinMaxAttempts = 4;

    private const string DoneLabel = "pair_done";
    private const string SendLabel = "pair_send";

    public static IReadOnlyList<Instruction> Generate(UsdtProgramSpec spec, PhaseMapDescriptors maps, int ringFd, TaskLayout? task, RingWakeup wakeup,
        KernelPairingOptions options, NamespaceAccess access = NamespaceAccess.ProbeRead, ProbeIdSource probeId = ProbeIdSource.Constant)
    {
        if (spec.Role == PhaseProbeRole.None)
        {
            throw new ArgumentException("only phase_begin and phase_end sites are paired", nameof(spec));
        }
        if (spec.Arguments.Count != 4)
        {
            throw new BpfException($"a {(spec.Role == PhaseProbeRole.Begin ? "phase_begin" : "phase_end")} site has {spec.Arguments.Count} arguments; Probe ABI v1 gives it 4");
        }
        var b = new ProgramBuilder();
        var labels = new LabelSource();
        b.Emit(
            Asm.Mov(Register.R7, Register.R1),
            Asm.Mov(Register.R6, Register.R10),
            AluOp.Add.Imm(Register.R6, RecordBase),
            Asm.Call(HelperFunction.KtimeGetNs),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.TimestampOffset, Register.R0, Size.DWord),
            Asm.Call(HelperFunction.GetCurrentPidTgid),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.TidOffset, Register.R0, Size.DWord),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.PidNamespaceOffset, 0, Size.DWord),
            Asm.StoreImm(Register.R6, UsdtRecordLayout.NamespaceTidOffset, 0, Size.DWord));
        // The container key is taken once per phase, at the begin; the end reads it back from the
        // pending entry, which saves every end a namespace walk and a cgroup-id call.
        if (spec.Role == PhaseProbeRole.Begin)
        {
            if (task is not null)
            {
                UsdtProgramGenerator.EmitNamespaces(b, task, access, "pairing");
            }
            // Namespace inodes are reused once a namespace is gone (one container after another gets
            // the same numbers); the cgroup id is not, so the two together tell containers apart.
            b.Emit(Asm.Call(HelperFunction.GetCurrentCgroupId), Asm.StoreMem(Register.R10, Cgroup, Register.R0, Size.DWord));
        }
        foreach (int argument in (int[])[IdArgument, SpanArgument, ParentOrStatusArgument])
        {
            UsdtProgramGenerator.EmitArgument(b, spec, spec.Arguments[argument], UsdtRecordLayout.ArgumentOffset(argument));
        }
        b.Emit(
            Asm.LoadMem(Register.R1, Register.R6, UsdtRecordLayout.PidOffset, Size.Word),
            Asm.StoreMem(Register.R10, PendingKey, Register.R1, Size.Word),
            Asm.StoreImm(Register.R10, PendingKey + 4, 0, Size.Word),
            Asm.LoadMem(Register.R1, Register.R6, Slot(SpanArgument), Size.DWord),
            Asm.StoreMem(Register.R10, PendingKey + 8, Register.R1, Size.DWord));

        if (spec.Role == PhaseProbeRole.Begin)
        {
            EmitBegin(b, maps, labels, options.SendEveryEvent ? SendLabel : DoneLabel);
        }
        else
        {
            EmitEnd(b, maps, labels, options);
        }
        // The verifier refuses unreachable code: a begin either always or never goes on to send.
        if (spec.Role == PhaseProbeRole.End || !options.SendEveryEvent)
        {
            b.Label(DoneLabel).Emit(Asm.Mov(Register.R0, 0), Asm.Exit());
        }
        if (spec.Role == PhaseProbeRole.Begin && !options.SendEveryEvent)
        {
            return b.Instructions;
        }

        b.Label(SendLabel);
        Action<ProgramBuilder>? extra = spec.Role == PhaseProbeRole.End ? WriteMeasuredSlots : null;
        // No wake-up of its own: one at the end probe hands the CPU to the consumer right after the
        // traced phase ended (DESIGN.md, the kernel-mode accuracy entry).
        UsdtProgramGenerator.EmitRecord(b, spec, spec.Layout(paired: true), ringFd, maps.Counters, task, wakeup, access, probeId, extra);
        return b.Instructions;
    }

    private static short Slot(int argument) => (short)UsdtRecordLayout.ArgumentOffset(argument);

    private static void EmitBegin(ProgramBuilder b, PhaseMapDescriptors maps, LabelSource labels, string then)
    {
        string stored = labels.Next("begin_stored");
        b.Emit(
            Asm.LoadMem(Register.R1, Register.R6, UsdtRecordLayout.TimestampOffset, Size.DWord),
            Asm.StoreMem(Register.R10, PendingValue, Register.R1, Size.DWord),
            Asm.LoadMem(Register.R1, Register.R6, Slot(ParentOrStatusArgument), Size.DWord),
            Asm.StoreMem(Register.R10, PendingValue + 8, Register.R1, Size.DWord),
            Asm.LoadMem(Register.R1, Register.R6, Slot(IdArgument), Size.Word),
            Asm.StoreMem(Register.R10, PendingValue + 16, Register.R1, Size.Word),
            Asm.StoreImm(Register.R10, PendingValue + 20, 0, Size.Word),
            Asm.LoadMem(Register.R1, Register.R6, UsdtRecordLayout.PidNamespaceOffset, Size.DWord),
            Asm.StoreMem(Register.R10, PendingValue + 24, Register.R1, Size.DWord),
            Asm.LoadMem(Register.R1, Register.R10, Cgroup, Size.DWord),
            Asm.StoreMem(Register.R10, PendingValue + 32, Register.R1, Size.DWord),
            Asm.LoadMapFd(Register.R1, maps.Pending),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, PendingKey),
            Asm.Mov(Register.R3, Register.R10),
            AluOp.Add.Imm(Register.R3, PendingValue),
            Asm.Mov(Register.R4, 0),
            Asm.Call(HelperFunction.MapUpdateElem),
            JumpOp.Equal.Imm(Register.R0, 0, stored));
        EmitCount(b, maps.Counters, PhaseCounter.PendingFull, then);
        b.Label(stored);
        EmitCount(b, maps.Counters, PhaseCounter.BeginsStored, then);
    }

    private static void EmitEnd(ProgramBuilder b, PhaseMapDescriptors maps, LabelSource labels, KernelPairingOptions options)
    {
        string paired = labels.Next("end_paired");
        b.Emit(
            Asm.LoadMapFd(Register.R1, maps.Pending),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, PendingKey),
            Asm.Call(HelperFunction.MapLookupElem),
            JumpOp.NotEqual.Imm(Register.R0, 0, paired));
        EmitCount(b, maps.Counters, PhaseCounter.EndsWithoutBegin, DoneLabel);

        b.Label(paired).Emit(
            Asm.LoadMem(Register.R1, Register.R6, UsdtRecordLayout.TimestampOffset, Size.DWord),
            Asm.LoadMem(Register.R2, Register.R0, 0, Size.DWord),
            AluOp.Sub.Reg(Register.R1, Register.R2),
            Asm.StoreMem(Register.R10, Duration, Register.R1, Size.DWord),
            Asm.LoadMem(Register.R2, Register.R0, 8, Size.DWord),
            Asm.StoreMem(Register.R10, Parent, Register.R2, Size.DWord),
            Asm.LoadMem(Register.R2, Register.R0, 24, Size.DWord),
            Asm.StoreMem(Register.R6, UsdtRecordLayout.PidNamespaceOffset, Register.R2, Size.DWord),
            Asm.LoadMem(Register.R2, Register.R0, 32, Size.DWord),
            Asm.StoreMem(Register.R10, Cgroup, Register.R2, Size.DWord),
            Asm.LoadMapFd(Register.R1, maps.Pending),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, PendingKey),
            Asm.Call(HelperFunction.MapDeleteElem));
        string counted = labels.Next("end_counted");
        EmitCount(b, maps.Counters, PhaseCounter.EndsPaired, counted);

        // Keys: (id, status, container[, bucket]).
        b.Label(counted).Emit(
            Asm.LoadMem(Register.R1, Register.R6, Slot(IdArgument), Size.Word),
            Asm.StoreMem(Register.R10, HistogramKey, Register.R1, Size.Word),
            Asm.StoreMem(Register.R10, StatisticsKey, Register.R1, Size.Word),
            Asm.LoadMem(Register.R1, Register.R6, Slot(ParentOrStatusArgument), Size.Word),
            Asm.StoreMem(Register.R10, HistogramKey + 4, Register.R1, Size.Word),
            Asm.StoreMem(Register.R10, StatisticsKey + 4, Register.R1, Size.Word),
            Asm.LoadMem(Register.R1, Register.R6, UsdtRecordLayout.PidNamespaceOffset, Size.DWord),
            Asm.StoreMem(Register.R10, HistogramKey + 8, Register.R1, Size.DWord),
            Asm.StoreMem(Register.R10, StatisticsKey + 8, Register.R1, Size.DWord),
            Asm.LoadMem(Register.R1, Register.R10, Cgroup, Size.DWord),
            Asm.StoreMem(Register.R10, HistogramKey + 16, Register.R1, Size.DWord),
            Asm.StoreMem(Register.R10, StatisticsKey + 16, Register.R1, Size.DWord),
            Asm.StoreImm(Register.R10, HistogramKey + 28, 0, Size.Word),
            Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord));
        EmitBucket(b, labels);
        b.Emit(Asm.StoreMem(Register.R10, HistogramKey + 24, Register.R2, Size.Word));

        EmitHistogramAdd(b, maps, labels);
        EmitStatisticsAdd(b, maps, labels);
        EmitSendDecision(b, maps, options);
    }

    /// <summary>
    /// r2 = <see cref="PhaseBuckets.Index"/>(r1): the top bit by a binary search unrolled into six
    /// shifts (no loop for the verifier to bound), then the 5 bits below it. Clobbers r3-r5.
    /// </summary>
    private static void EmitBucket(ProgramBuilder b, LabelSource labels)
    {
        string done = labels.Next("bucket_done");
        b.Emit(
            Asm.Mov(Register.R2, Register.R1),
            JumpOp.Less.Imm(Register.R1, PhaseBuckets.SubBuckets, done),
            Asm.Mov(Register.R3, Register.R1),
            Asm.Mov(Register.R4, 0));
        foreach (int step in (int[])[32, 16, 8, 4, 2, 1])
        {
            string next = labels.Next("bucket_bit");
            b.Emit(
                Asm.Mov(Register.R5, Register.R3),
                AluOp.RightShift.Imm(Register.R5, step),
                JumpOp.Equal.Imm(Register.R5, 0, next),
                Asm.Mov(Register.R3, Register.R5),
                AluOp.Add.Imm(Register.R4, step));
            b.Label(next);
        }
        b.Emit(
            AluOp.Sub.Imm(Register.R4, PhaseBuckets.SubBucketBits),          // shift = top bit - 5
            Asm.Mov(Register.R2, Register.R1),
            AluOp.RightShift.Reg(Register.R2, Register.R4),
            AluOp.And.Imm(Register.R2, PhaseBuckets.SubBuckets - 1),         // sub
            AluOp.Add.Imm(Register.R4, 1),
            AluOp.LeftShift.Imm(Register.R4, PhaseBuckets.SubBucketBits),    // group * 32
            AluOp.Add.Reg(Register.R2, Register.R4));
        b.Label(done);
    }

    private static void EmitHistogramAdd(ProgramBuilder b, PhaseMapDescriptors maps, LabelSource labels)
    {
        string add = labels.Next("histogram_add");
        string done = labels.Next("histogram_done");
        EmitLookup(b, maps.Histogram, HistogramKey);
        b.Emit(
            JumpOp.NotEqual.Imm(Register.R0, 0, add),
            Asm.StoreImm(Register.R10, One, 1, Size.DWord),
            Asm.LoadMapFd(Register.R1, maps.Histogram),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, HistogramKey),
            Asm.Mov(Register.R3, Register.R10),
            AluOp.Add.Imm(Register.R3, One),
            Asm.Mov(Register.R4, NoExist),
            Asm.Call(HelperFunction.MapUpdateElem),
            JumpOp.Equal.Imm(Register.R0, 0, done));
        // Refused: another task created the key meanwhile (add to it), or the map is full.
        EmitLookup(b, maps.Histogram, HistogramKey);
        b.Emit(JumpOp.NotEqual.Imm(Register.R0, 0, add));
        EmitCount(b, maps.Counters, PhaseCounter.HistogramFull, done);
        b.Label(add).Emit(Asm.Mov(Register.R1, 1), Asm.AtomicAdd(Register.R0, 0, Register.R1));
        b.Label(done);
    }

    private static void EmitStatisticsAdd(ProgramBuilder b, PhaseMapDescriptors maps, LabelSource labels)
    {
        string add = labels.Next("statistics_add");
        string done = labels.Next("statistics_done");
        EmitLookup(b, maps.Statistics, StatisticsKey);
        b.Emit(
            JumpOp.NotEqual.Imm(Register.R0, 0, add),
            Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord),
            Asm.StoreImm(Register.R10, StatisticsValue, 1, Size.DWord),
            Asm.StoreMem(Register.R10, StatisticsValue + 8, Register.R1, Size.DWord),
            Asm.StoreMem(Register.R10, StatisticsValue + 24, Register.R1, Size.DWord),
            AluOp.Xor.Imm(Register.R1, -1),
            Asm.StoreMem(Register.R10, StatisticsValue + 16, Register.R1, Size.DWord),
            Asm.LoadMapFd(Register.R1, maps.Statistics),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, StatisticsKey),
            Asm.Mov(Register.R3, Register.R10),
            AluOp.Add.Imm(Register.R3, StatisticsValue),
            Asm.Mov(Register.R4, NoExist),
            Asm.Call(HelperFunction.MapUpdateElem),
            JumpOp.Equal.Imm(Register.R0, 0, done));
        EmitLookup(b, maps.Statistics, StatisticsKey);
        b.Emit(JumpOp.NotEqual.Imm(Register.R0, 0, add));
        EmitCount(b, maps.Counters, PhaseCounter.StatisticsFull, done);

        b.Label(add).Emit(
            Asm.Mov(Register.R9, Register.R0),
            Asm.Mov(Register.R1, 1),
            Asm.AtomicAdd(Register.R9, 0, Register.R1),
            Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord),
            Asm.AtomicAdd(Register.R9, 8, Register.R1));
        string minDone = labels.Next("min_done");
        b.Emit(AluOp.Xor.Imm(Register.R1, -1));
        EmitMax(b, 16, minDone);
        b.Label(minDone).Emit(Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord));
        EmitMax(b, 24, done);
        b.Label(done);
    }

    /// <summary>
    /// Replaces the u64 at r9 + <paramref name="offset"/> with r1 when r1 is larger, by
    /// compare-and-exchange so a preempting task's update is not overwritten; retried a few times,
    /// unrolled. The minimum is kept as the maximum of ~duration: another CPU's slot of a per-CPU
    /// value starts at zero, which is then "nothing seen" for both. Keeps r1; goes on at
    /// <paramref name="done"/>, which the caller places next.
    /// </summary>
    private static void EmitMax(ProgramBuilder b, short offset, string done)
    {
        for (int attempt = 0; attempt < MinMaxAttempts; attempt++)
        {
            b.Emit(
                Asm.LoadMem(Register.R0, Register.R9, offset, Size.DWord),
                JumpOp.LessOrEqual.Reg(Register.R1, Register.R0, done),
                Asm.Mov(Register.R2, Register.R0),
                Asm.AtomicCompareExchange(Register.R9, offset, Register.R1),
                JumpOp.Equal.Reg(Register.R0, Register.R2, done));
        }
    }

    private static void EmitSendDecision(ProgramBuilder b, PhaseMapDescriptors maps, KernelPairingOptions options)
    {
        if (options.SendEveryEvent)
        {
            b.Emit(Asm.Ja(SendLabel));
            return;
        }
        b.Emit(
            Asm.LoadMem(Register.R1, Register.R6, Slot(ParentOrStatusArgument), Size.Word),
            JumpOp.NotEqual.Imm(Register.R1, 0, SendLabel));
        if (options.SlowThresholdNanoseconds > 0)
        {
            b.Emit(
                Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord),
                Asm.LoadImm64(Register.R2, unchecked((long)options.SlowThresholdNanoseconds)),
                JumpOp.GreaterOrEqual.Reg(Register.R1, Register.R2, SendLabel));
        }
        // The first end of this id in this process: user space learns the name and the container.
        b.Emit(
            Asm.LoadMem(Register.R1, Register.R10, PendingKey, Size.Word),
            Asm.StoreMem(Register.R10, SeenKey, Register.R1, Size.Word),
            Asm.LoadMem(Register.R1, Register.R6, Slot(IdArgument), Size.Word),
            Asm.StoreMem(Register.R10, SeenKey + 4, Register.R1, Size.Word));
        EmitLookup(b, maps.Seen, SeenKey);
        b.Emit(
            JumpOp.NotEqual.Imm(Register.R0, 0, DoneLabel),
            Asm.StoreImm(Register.R10, SeenValue, 1, Size.DWord),
            Asm.LoadMapFd(Register.R1, maps.Seen),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, SeenKey),
            Asm.Mov(Register.R3, Register.R10),
            AluOp.Add.Imm(Register.R3, SeenValue),
            Asm.Mov(Register.R4, NoExist),
            Asm.Call(HelperFunction.MapUpdateElem),
            Asm.Ja(SendLabel));
    }

    /// <summary>In the sent phase_end record (r6): the measured duration, the begin's parent, the cgroup id.</summary>
    private static void WriteMeasuredSlots(ProgramBuilder b) => b.Emit(
        Asm.LoadMem(Register.R1, Register.R10, Duration, Size.DWord),
        Asm.StoreMem(Register.R6, Slot(DurationSlot), Register.R1, Size.DWord),
        Asm.LoadMem(Register.R1, Register.R10, Parent, Size.DWord),
        Asm.StoreMem(Register.R6, Slot(ParentSlot), Register.R1, Size.DWord),
        Asm.LoadMem(Register.R1, Register.R10, Cgroup, Size.DWord),
        Asm.StoreMem(Register.R6, Slot(CgroupSlot), Register.R1, Size.DWord));

    /// <summary>r0 = bpf_map_lookup_elem(map, r10 + key).</summary>
    private static void EmitLookup(ProgramBuilder b, int map, short key) => b.Emit(
        Asm.LoadMapFd(Register.R1, map),
        Asm.Mov(Register.R2, Register.R10),
        AluOp.Add.Imm(Register.R2, key),
        Asm.Call(HelperFunction.MapLookupElem));

    /// <summary>counters[counter] += 1 on this CPU (atomically), then goto <paramref name="then"/>. Clobbers r0-r5.</summary>
    private static void EmitCount(ProgramBuilder b, int counters, PhaseCounter counter, string then)
    {
        b.Emit(Asm.StoreImm(Register.R10, CounterKey, (int)counter, Size.Word));
        EmitLookup(b, counters, CounterKey);
        b.Emit(
            JumpOp.Equal.Imm(Register.R0, 0, then),
            Asm.Mov(Register.R1, 1),
            Asm.AtomicAdd(Register.R0, 0, Register.R1),
            Asm.Ja(then));
    }

    private sealed class LabelSource
    {
        private int _next;

        public string Next(string name) => $"{name}_{_next++}";
    }
}
