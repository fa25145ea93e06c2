using System.Text;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>Error mapping and the verifier-log retry, with the kernel replaced by a fake.</summary>
[TestClass]
public sealed unsafe class SyscallErrorTests
{
    private static readonly Instruction[] Trivial = [Asm.Mov(Register.R0, 0), Asm.Exit()];

    [TestMethod]
    public void Eperm_becomes_a_privileges_error_naming_the_call_and_capabilities()
    {
        var fake = new FakeSyscalls { OnBpf = (BpfCommand _, void* _, uint _, out int errno) => { errno = Errno.EPERM; return -1; } };

        var e = Assert.ThrowsExactly<BpfPermissionException>(() => BpfMap.CreateArray(new Kernel(fake), "a", 8, 1));

        StringAssert.Contains(e.Message, "bpf(BPF_MAP_CREATE)");
        StringAssert.Contains(e.Message, "EPERM");
        StringAssert.Contains(e.Message, "CAP_BPF");
        StringAssert.Contains(e.Message, "CAP_PERFMON");
        Assert.AreEqual(Errno.EPERM, e.Errno);
    }

    [TestMethod]
    public void Other_errno_names_the_command_and_the_errno()
    {
        var fake = new FakeSyscalls { OnBpf = (BpfCommand _, void* _, uint _, out int errno) => { errno = Errno.E2BIG; return -1; } };

        var e = Assert.ThrowsExactly<BpfSyscallException>(() => BpfMap.CreateHash(new Kernel(fake), "h", 4, 8, 16));

        Assert.AreEqual("bpf(BPF_MAP_CREATE) failed: E2BIG (argument list too long)", e.Message);
    }

    [TestMethod]
    public void Perf_event_open_eacces_is_a_privileges_error()
    {
        var fake = new FakeSyscalls { PerfErrno = Errno.EACCES };
        var attr = new PerfEventAttr();

        var e = Assert.ThrowsExactly<BpfPermissionException>(() => new Kernel(fake).PerfEventOpen(ref attr, -1, 0));

        StringAssert.Contains(e.Message, "perf_event_open");
    }

    [TestMethod]
    public void Verifier_failure_is_retried_with_a_log_and_the_message_has_its_last_lines()
    {
        var attempts = new List<(uint Level, uint Size)>();
        string log = string.Join('\n', Enumerable.Range(1, 20).Select(i => $"line {i}")) + "\nR0 !read_ok\nprocessed 2 insns\n";
        var fake = new FakeSyscalls
        {
            OnBpf = (BpfCommand command, void* attr, uint size, out int errno) =>
            {
                var load = (ProgLoadAttr*)attr;
                attempts.Add((load->LogLevel, load->LogSize));
                if (load->LogLevel > 0)
                {
                    byte[] text = Encoding.ASCII.GetBytes(log + "\0");
                    text.CopyTo(new Span<byte>((void*)load->LogBuf, (int)load->LogSize));
                }
                errno = Errno.EACCES;
                return -1;
            },
        };

        var e = Assert.ThrowsExactly<BpfVerifierException>(() => BpfProgram.Load(new Kernel(fake), "bad", BpfProgramType.Kprobe, Trivial));

        Assert.AreEqual(2, attempts.Count);
        Assert.AreEqual((0u, 0u), attempts[0], "the first load runs without a log");
        Assert.AreEqual((1u, (uint)BpfProgram.InitialLogSize), attempts[1]);
        StringAssert.Contains(e.Message, "R0 !read_ok");
        StringAssert.Contains(e.Message, "processed 2 insns");
        StringAssert.Contains(e.Message, "line 20");
        Assert.IsFalse(e.Message.Contains("line 1 ", StringComparison.Ordinal), e.Message);
        Assert.AreEqual(log, e.Log);
        Assert.AreEqual(Errno.EACCES, e.Errno);
    }

    [TestMethod]
    public void Verifier_log_buffer_grows_on_enospc()
    {
        var sizes = new List<uint>();
        var fake = new FakeSyscalls
        {
            OnBpf = (BpfCommand command, void* attr, uint size, out int errno) =>
            {
                var load = (ProgLoadAttr*)attr;
                sizes.Add(load->LogSize);
                errno = load->LogLevel == 0 ? Errno.EINVAL : load->LogSize < 1024 * 1024 ? Errno.ENOSPC : Errno.EINVAL;
                if (load->LogLevel > 0)
                {
                    Encoding.ASCII.GetBytes("invalid\0").CopyTo(new Span<byte>((void*)load->LogBuf, 8));
                }
                return -1;
            },
        };

        var e = Assert.ThrowsExactly<BpfVerifierException>(() => BpfProgram.Load(new Kernel(fake), "big", BpfProgramType.Kprobe, Trivial));

        CollectionAssert.AreEqual(new uint[] { 0, 64 * 1024, 256 * 1024, 1024 * 1024 }, sizes);
        Assert.IsFalse(e.LogTruncated);
        StringAssert.Contains(e.Message, "invalid");
    }

    [TestMethod]
    public void Eperm_on_load_is_not_retried_as_a_verifier_failure()
    {
        var fake = new FakeSyscalls { OnBpf = (BpfCommand _, void* _, uint _, out int errno) => { errno = Errno.EPERM; return -1; } };

        Assert.ThrowsExactly<BpfPermissionException>(() => BpfProgram.Load(new Kernel(fake), "p", BpfProgramType.Kprobe, Trivial));
        Assert.AreEqual(1, fake.Calls.Count);
    }

    [TestMethod]
    public void Eintr_is_retried_a_bounded_number_of_times()
    {
        var fake = new FakeSyscalls { OnBpf = (BpfCommand _, void* _, uint _, out int errno) => { errno = Errno.EINTR; return -1; } };

        var e = Assert.ThrowsExactly<BpfSyscallException>(() => BpfMap.CreateArray(new Kernel(fake), "a", 8, 1));

        Assert.AreEqual(Kernel.MaxTransientRetries, fake.Calls.Count);
        Assert.AreEqual(Errno.EINTR, e.Errno);
    }

    [TestMethod]
    public void Handles_close_through_the_seam_that_opened_them()
    {
        var fake = new FakeSyscalls();

        BpfMap map = BpfMap.CreateArray(new Kernel(fake), "a", 8, 1);
        map.Dispose();

        CollectionAssert.AreEqual(new[] { 1000 }, fake.Closed);
    }

    [TestMethod]
    public void Map_lookup_of_a_missing_key_is_false_not_an_error()
    {
        var fake = new FakeSyscalls
        {
            OnBpf = (BpfCommand command, void* _, uint _, out int errno) =>
            {
                errno = command == BpfCommand.MapLookupElem ? Errno.ENOENT : 0;
                return command == BpfCommand.MapLookupElem ? -1 : 7;
            },
        };
        using BpfMap map = BpfMap.CreateHash(new Kernel(fake), "h", 4, 8, 4);

        Assert.IsFalse(map.Lookup(new byte[4], new byte[8]));
    }

    [TestMethod]
    public void Uprobe_attach_failure_names_the_target()
    {
        var fake = new FakeSyscalls { PerfErrno = Errno.ESRCH };
        var kernel = new Kernel(fake);
        using BpfProgram program = BpfProgram.Load(kernel, "p", BpfProgramType.Kprobe, Trivial);
        var target = new UprobeTarget("/usr/bin/app", 0x1234, 0x4050, 99);

        UprobeAttachException e;
        try
        {
            UprobeAttachment.Attach(kernel, program, target);
            Assert.Fail("attach should have failed");
            return;
        }
        catch (UprobeAttachException caught)
        {
            e = caught;
        }
        catch (BpfNotSupportedException)
        {
            Assert.Inconclusive("no uprobe PMU on this machine, so attachment stops before perf_event_open");
            return;
        }

        StringAssert.Contains(e.Message, "/usr/bin/app+0x1234");
        StringAssert.Contains(e.Message, "ESRCH");
        Assert.AreEqual(Errno.ESRCH, e.Errno);
    }
}
