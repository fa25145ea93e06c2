using System.Buffers.Binary;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>Programs and maps against the real kernel.</summary>
[TestClass]
[TestCategory("Kernel")]
public sealed class KernelObjectTests
{
    private static readonly Kernel Kernel = Kernel.Default;

    [TestInitialize]
    public void RequireRoot() => Requirements.Root();

    [TestMethod]
    public void Trivial_kprobe_program_loads()
    {
        using BpfProgram program = BpfProgram.Load(Kernel, "trivial", BpfProgramType.Kprobe, [Asm.Mov(Register.R0, 0), Asm.Exit()]);

        Assert.IsFalse(program.Handle.IsInvalid);
        Assert.IsTrue(program.Handle.Fd > 2);
    }

    [TestMethod]
    public void Verifier_rejection_carries_the_log()
    {
        // Reading r0 before anything wrote it: the verifier says "R0 !read_ok".
        Instruction[] bad = [Asm.Exit()];

        var e = Assert.ThrowsExactly<BpfVerifierException>(() => BpfProgram.Load(Kernel, "bad", BpfProgramType.Kprobe, bad));

        StringAssert.Contains(e.Log, "R0 !read_ok");
        StringAssert.Contains(e.Message, "R0 !read_ok");
        StringAssert.Contains(e.Message, "bad");
        Console.WriteLine(e.Message);
    }

    [TestMethod]
    public void Hash_map_update_lookup_iterate_delete()
    {
        using BpfMap map = BpfMap.CreateHash(Kernel, "test_hash", 4, 8, 16);
        byte[] key = BpfMap.IndexKey(7);
        byte[] value = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(value, 0xdeadbeefcafe);

        map.Update(key, value);
        byte[] read = new byte[8];

        Assert.IsTrue(map.Lookup(key, read));
        Assert.AreEqual(0xdeadbeefcafeUL, BinaryPrimitives.ReadUInt64LittleEndian(read));
        Assert.AreEqual(1, map.Keys().Count());
        Assert.IsTrue(map.Delete(key));
        Assert.IsFalse(map.Lookup(key, read));
        Assert.IsFalse(map.Delete(key));
    }

    [TestMethod]
    public void Array_map_has_every_index_zeroed()
    {
        using BpfMap map = BpfMap.CreateArray(Kernel, "test_array", 16, 4);
        byte[] read = new byte[16];

        Assert.IsTrue(map.Lookup(BpfMap.IndexKey(3), read));
        Assert.IsTrue(read.All(b => b == 0));
        Assert.IsFalse(map.Lookup(BpfMap.IndexKey(4), read));
    }

    [TestMethod]
    public void Per_cpu_array_reads_one_slot_per_possible_cpu()
    {
        using BpfMap map = BpfMap.CreatePerCpuArray(Kernel, "test_percpu", 8, 1);
        byte[] values = new byte[map.LookupSize];
        for (int cpu = 0; cpu < PossibleCpus.Count; cpu++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(values.AsSpan(cpu * 8), (ulong)(cpu + 1) * 10);
        }

        map.Update(BpfMap.IndexKey(0), values);

        int n = PossibleCpus.Count;
        Assert.AreEqual(8 * n, map.LookupSize);
        Assert.AreEqual((ulong)(10 * n * (n + 1) / 2), map.SumPerCpuUInt64(0));
    }

    [TestMethod]
    public void Ring_buffer_map_is_created_and_mapped()
    {
        using BpfMap ring = BpfMap.CreateRingBuffer(Kernel, "test_ring", 64 * 1024);
        using var reader = new RingBufferReader(Kernel, ring);

        Assert.AreEqual(0UL, reader.Pending);
        Assert.AreEqual(0, reader.Poll(_ => Assert.Fail("an empty ring has no records"), 10));
    }

    [TestMethod]
    public void Ring_buffer_size_must_be_a_power_of_two_pages()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => BpfMap.CreateRingBuffer(Kernel, "bad", 3 * 4096));
    }

    [TestMethod]
    public void Generated_usdt_program_passes_the_verifier_for_every_argument_kind()
    {
        using BpfMap ring = BpfMap.CreateRingBuffer(Kernel, "gen_ring", 64 * 1024);
        using BpfMap lost = BpfMap.CreatePerCpuArray(Kernel, "gen_lost", 8, 1);
        TaskLayout task = KernelBtf.LoadVmlinux().ReadTaskLayout();
        string[] specs =
        [
            "-1@%bl 2@%r13w -4@-20(%rbp) -8@(%rdi,%rsi,8) 8@sym+8(%rip) -4@$42 8@%rsi",
            "-4@table-8(,%rdi,4) -2@shorts(%rsi,%rsi) 1@%ah -4@%fs:tv@tpoff 8@$sym 8f@8+sym(%rip) -8@sym 4@%fs:(%rax) 8@0x601040",
        ];
        foreach (string text in specs)
        {
            IReadOnlyList<UsdtArgument> arguments = UsdtArgumentParser.Parse(text);
            var spec = new UsdtProgramSpec(9, arguments.Select(a => a.Symbol is null ? a : a with { SymbolValue = 0x4000 }).ToList(), [6],
                SiteVirtualAddress: 0x1000);
            foreach (RingWakeup wakeup in new[] { RingWakeup.EveryRecord, RingWakeup.WhenPending(16384) })
            {
                foreach (NamespaceAccess access in Enum.GetValues<NamespaceAccess>())
                {
                    var instructions = UsdtProgramGenerator.Generate(spec, ring.Handle.Fd, lost.Handle.Fd, task, wakeup, access);
                    using BpfProgram program = BpfProgram.Load(Kernel, "usdt_all_kinds", BpfProgramType.Kprobe, instructions);
                    Assert.IsTrue(program.InstructionCount > 50, $"{text}: {wakeup} {access}");
                }
            }
        }
    }

    [TestMethod]
    public void Kernel_btf_gives_plausible_task_offsets()
    {
        TaskLayout t = KernelBtf.LoadVmlinux().ReadTaskLayout();
        Console.WriteLine(t);

        Assert.AreEqual(16, t.UpidSize);
        Assert.AreEqual(0, t.UpidNr);
        Assert.AreEqual(8, t.UpidNs);
        Assert.IsTrue(t.TaskThreadPid > 0 && t.TaskNsproxy > 0 && t.TaskGroupLeader > 0);
        Assert.IsTrue(t.PidNumbers > t.PidLevel);
    }
}
