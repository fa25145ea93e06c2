using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Cli;
using Probes.Consumer.Elf;
using Probes.Consumer.Manifest;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// One error model: every expected failure of every layer is a <see cref="ProbesException"/>
/// carrying its <see cref="ErrorKind"/>, and the exit code follows from the kind alone.
/// </summary>
[TestClass]
public sealed class ErrorModelTests
{
    public static IEnumerable<object[]> Failures =>
    [
        [new ElfFormatException("x"), ExitCode.BadInput],
        [new UsdtNoteException("x"), ExitCode.BadInput],
        [new UsdtSpecException("x"), ExitCode.BadInput],
        [new ManifestFormatException("x"), ExitCode.BadInput],
        [new TargetIdentityException("x"), ExitCode.BadInput],
        [new TargetNotFoundException("x"), ExitCode.NotFound],
        [new TargetAccessException("x"), ExitCode.Privileges],
        [new TargetAmbiguousException("x"), ExitCode.Usage],
        [new UsageException("x"), ExitCode.Usage],
        [new OutputException("x"), ExitCode.OutputFailed],
        [new MissingCapabilityException("x"), ExitCode.Privileges],
        [new BpfException("x"), ExitCode.KernelRefused],
        [new BpfSyscallException("bpf(BPF_MAP_CREATE)", Errno.E2BIG), ExitCode.KernelRefused],
        [new BpfPermissionException("bpf(BPF_MAP_CREATE)", Errno.EPERM), ExitCode.Privileges],
        [new BpfNotSupportedException("ring buffer maps", "5.8"), ExitCode.KernelRefused],
        [new BpfVerifierException("usdt_0", Errno.EACCES, "R0 !read_ok", logTruncated: false), ExitCode.KernelRefused],
        [Attach(Errno.ENOENT), ExitCode.NotFound],
        [Attach(Errno.ESRCH), ExitCode.NotFound],
        [Attach(Errno.EINVAL), ExitCode.KernelRefused],
    ];

    private static UprobeAttachException Attach(int errno) =>
        new(new UprobeTarget("/lib/a.so", 0x1000), new BpfSyscallException("perf_event_open", errno));

    [TestMethod]
    [DynamicData(nameof(Failures))]
    public void Every_layers_failure_is_a_ProbesException_whose_kind_gives_the_exit_code(Exception failure, ExitCode expected)
    {
        Assert.IsInstanceOfType<ProbesException>(failure);
        Assert.AreEqual(expected, ErrorReporter.ExitCodeOf(((ProbesException)failure).Kind));
        Assert.AreEqual(expected, ErrorReporter.Classify(failure));
    }

    [TestMethod]
    public void Every_kind_has_its_own_exit_code_and_none_is_the_internal_error()
    {
        ExitCode[] codes = Enum.GetValues<ErrorKind>().Select(ErrorReporter.ExitCodeOf).ToArray();
        Assert.AreEqual(codes.Length, codes.Distinct().Count(), string.Join(", ", codes));
        Assert.DoesNotContain(ExitCode.InternalError, codes);
        Assert.DoesNotContain(ExitCode.Success, codes);
    }

    [TestMethod]
    public void Anything_else_is_an_internal_error()
    {
        Assert.AreEqual(ExitCode.InternalError, ErrorReporter.Classify(new InvalidOperationException("a bug")));
        Assert.AreEqual(ExitCode.InternalError, ErrorReporter.Classify(new IOException("unexpected")));
    }

    [TestMethod]
    public void The_eBPF_engine_names_what_the_kernel_checks_and_leaves_the_advice_to_the_CLI()
    {
        var refusal = new BpfPermissionException("bpf(BPF_PROG_LOAD)", Errno.EPERM);
        Assert.AreEqual("bpf(BPF_PROG_LOAD) failed: EPERM: not permitted (the kernel checks CAP_BPF and CAP_PERFMON, and CAP_SYS_ADMIN for uprobes since Linux 6.16)", refusal.Message);
        Assert.DoesNotContain("run as root", refusal.Message);
    }
}
