using System.Runtime.InteropServices;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Syscalls;
using Probes.Consumer.Bpf.Uprobes;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// How a session attaches, against a fake kernel that answers the feature probes like a kernel
/// of each generation: the attr of each uprobe_multi link (path, offsets, semaphore offsets,
/// cookies, pid), the order of the links, the programs shared between sites, and the fallback
/// to perf uprobes (with BPF links and cookies, or with SET_BPF and one program per probe).
/// </summary>
[TestClass]
public sealed unsafe class UprobeAttachMethodTests
{
    private const int Page = 4096;
    private const int RingSize = 1 << 16;
    private byte* _consumerPage;
    private byte* _producerPages;

    [TestInitialize]
    public void Allocate()
    {
        _consumerPage = (byte*)NativeMemory.AllocZeroed(Page);
        _producerPages = (byte*)NativeMemory.AllocZeroed((nuint)(Page + 2 * RingSize));
    }

    [TestCleanup]
    public void Free()
    {
        NativeMemory.Free(_consumerPage);
        NativeMemory.Free(_producerPages);
    }

    // Three probes of one file, in the order the CLI adds them (phase_begin last), and one of another file.
    private static readonly (uint Id, string Spec, UprobeTarget Target)[] Sites =
    [
        (0, "-4@%edi 8@%rsi", new UprobeTarget("/proc/self/fd/7", 0x1100, 0x4000)),   // phase_end
        (1, "-4@%edi 8@%rsi", new UprobeTarget("/proc/self/fd/7", 0x1200, 0x4002)),   // mark: same registers as phase_end
        (2, "-4@%edi 8@%rdx", new UprobeTarget("/proc/self/fd/7", 0x1300, 0x4004)),   // phase_begin: another register
        (3, "-4@%edi 8@%rsi", new UprobeTarget("/proc/self/fd/9", 0x2100, null)),     // another file, no semaphore
    ];

    [TestMethod]
    public void With_uprobe_multi_each_file_gets_a_link_per_program_with_offsets_semaphores_and_probe_ids_as_cookies()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: null);
        session.Start();

        Assert.AreEqual(0, kernel.Syscalls.PerfOpens.Count, "no perf event");
        Assert.AreEqual(3, kernel.MultiLinks.Count, "file 7: one link for the two sites that share a program, one for phase_begin; file 9: one");
        MultiLinkCall shared = kernel.MultiLinks[0];
        Assert.AreEqual("/proc/self/fd/7", shared.Path);
        CollectionAssert.AreEqual(new ulong[] { 0x1100, 0x1200 }, shared.Offsets);
        CollectionAssert.AreEqual(new ulong[] { 0x4000, 0x4002 }, shared.RefCtrOffsets);
        CollectionAssert.AreEqual(new ulong[] { 0, 1 }, shared.Cookies, "the cookie is the probe id");
        Assert.AreEqual(0u, shared.Pid);
        Assert.AreEqual(0u, shared.Flags);
        MultiLinkCall other = kernel.MultiLinks.Single(l => l.Path == "/proc/self/fd/9");
        Assert.IsNull(other.RefCtrOffsets, "no semaphore: no ref_ctr_offsets array");
        CollectionAssert.AreEqual(new ulong[] { 3 }, other.Cookies);
        int begin = kernel.MultiLinks.FindIndex(l => l.Offsets.SequenceEqual(new ulong[] { 0x1300 }));
        Assert.IsTrue(begin > kernel.MultiLinks.IndexOf(shared), "links are made in the order of their last site: phase_begin's after the others of its file");

        Assert.AreEqual(2, session.ProgramCount, "one program per way of fetching the arguments, shared across probes and files");
        Assert.IsTrue(kernel.LoadedAttachTypes.Skip(kernel.FeatureProbeLoads).All(t => t == (uint)BpfAttachType.TraceUprobeMulti));
        Assert.AreEqual(3, session.LinkCount);
        Assert.AreEqual(4, session.AttachmentCount);
        Assert.AreEqual(0, session.PerfEventCount);
        Assert.IsNull(session.AttachFallbackReason);
        StringAssert.Contains(session.AttachSummary, "4 uprobe(s) through uprobe_multi links: 2 program(s), 3 link(s), 0 perf event(s), 2 map(s)");
    }

    [TestMethod]
    public void A_pid_goes_into_the_link_when_the_kernels_pid_filter_follows_the_whole_process()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: 4242);
        session.Start();

        Assert.AreEqual(3, kernel.MultiLinks.Count);
        Assert.IsTrue(kernel.MultiLinks.All(l => l.Pid == 4242));
    }

    [TestMethod]
    public void A_pid_on_a_kernel_whose_pid_filter_follows_the_main_thread_only_gets_perf_uprobes_and_says_why()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = false, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: 4242);
        session.AddSite(Spec(9, "-4@%edi 8@%rsi"), [new UprobeTarget("/proc/self/fd/11", 0x3100)]);
        session.Start();

        Assert.AreEqual(1, kernel.MultiLinks.Count, "the target without a pid still gets a uprobe_multi link");
        Assert.AreEqual("/proc/self/fd/11", kernel.MultiLinks[0].Path);
        Assert.AreEqual(4, kernel.Syscalls.PerfOpens.Count);
        Assert.IsTrue(kernel.Syscalls.PerfOpens.All(p => p.Pid == 4242));
        StringAssert.Contains(session.AttachFallbackReason, "pid filter");
    }

    [TestMethod]
    public void Without_uprobe_multi_each_site_is_a_perf_uprobe_whose_link_carries_the_probe_id()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = false, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: null);
        session.Start();

        Assert.AreEqual(0, kernel.MultiLinks.Count);
        CollectionAssert.AreEqual(new ulong[] { 0x1100, 0x1200, 0x1300, 0x2100 }, kernel.Syscalls.PerfOpens.Select(p => p.Offset).ToArray(), "in the order added: phase_begin last");
        CollectionAssert.AreEqual(kernel.Syscalls.PerfOpens.Select(p => (uint)p.Fd).ToArray(), kernel.PerfLinkCalls.Select(l => l.TargetFd).ToArray());
        CollectionAssert.AreEqual(new ulong[] { 0, 1, 2, 3 }, kernel.PerfLinkCalls.Select(l => l.Cookie).ToArray());
        Assert.IsFalse(kernel.Syscalls.Ioctls.Any(i => i.Request == PerfIoctl.SetBpf), "the program goes on through the link");
        Assert.AreEqual(2, session.ProgramCount, "cookies let sites share programs here too");
        Assert.AreEqual(4, session.LinkCount);
        Assert.AreEqual(4, session.PerfEventCount);
        StringAssert.Contains(session.AttachFallbackReason, "no uprobe_multi links");
        StringAssert.Contains(session.AttachSummary, "through perf uprobes with BPF links");
    }

    [TestMethod]
    public void Without_any_links_each_probe_gets_its_own_program_attached_with_set_bpf()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = false, PerfLinks = false };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: null);
        session.Start();

        Assert.AreEqual(4, kernel.Syscalls.PerfOpens.Count);
        Assert.AreEqual(0, kernel.PerfLinkCalls.Count);
        Assert.AreEqual(4, kernel.Syscalls.Ioctls.Count(i => i.Request == PerfIoctl.SetBpf));
        Assert.AreEqual(4, session.ProgramCount, "the probe id is compiled in: one program per probe");
        Assert.AreEqual(0, session.LinkCount);
    }

    [TestMethod]
    public void The_environment_cap_skips_the_feature_probes_and_attaches_the_oldest_way()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel, UprobeAttachMethod.PerfIoctl);
        AddAll(session, pid: null);
        session.Start();

        Assert.AreEqual(0, kernel.FeatureProbeLoads, "nothing asked of the kernel");
        Assert.AreEqual(4, kernel.Syscalls.Ioctls.Count(i => i.Request == PerfIoctl.SetBpf));
        StringAssert.Contains(session.AttachFallbackReason, "switched off");
    }

    [TestMethod]
    public void Detaching_a_file_closes_its_links_and_keeps_the_others()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: null);
        session.Start();
        int[] fileSevenLinks = kernel.MultiLinks.Where(l => l.Path == "/proc/self/fd/7").Select(l => l.Fd).ToArray();

        int detached = session.Detach(target => target.Path == "/proc/self/fd/7");

        Assert.AreEqual(3, detached, "three sites of file 7");
        CollectionAssert.IsSubsetOf(fileSevenLinks, kernel.Syscalls.Closed);
        Assert.AreEqual(1, session.LinkCount);
        Assert.AreEqual(1, session.AttachmentCount);
    }

    [TestMethod]
    public void Detaching_some_sites_of_a_link_attaches_the_rest_again_with_a_new_link()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true };
        using UsdtSession session = CreateSession(kernel);
        AddAll(session, pid: null);
        session.Start();
        MultiLinkCall shared = kernel.MultiLinks[0];

        int detached = session.Detach(target => target.FileOffset == 0x1100);

        Assert.AreEqual(1, detached);
        CollectionAssert.Contains(kernel.Syscalls.Closed, shared.Fd);
        MultiLinkCall again = kernel.MultiLinks[^1];
        CollectionAssert.AreEqual(new ulong[] { 0x1200 }, again.Offsets);
        CollectionAssert.AreEqual(new ulong[] { 1 }, again.Cookies);
        Assert.AreEqual(3, session.AttachmentCount);
    }

    [TestMethod]
    public void A_refused_link_names_the_file_and_counts_its_sites()
    {
        var kernel = new FakeUprobeKernel { UprobeMulti = true, PidFilterFixed = true, PerfLinks = true, RefuseLinksWith = Errno.ESRCH };
        using UsdtSession session = CreateSession(kernel);
        session.AddSite(Spec(0, "-4@%edi 8@%rsi"), [new UprobeTarget("/proc/self/fd/7", 0x1100, 0x4000, 99) { ShownPath = "/proc/99/root/app/libprobes.so" }]);
        session.AddSite(Spec(1, "-4@%edi 8@%rsi"), [new UprobeTarget("/proc/self/fd/7", 0x1200, 0x4002, 99) { ShownPath = "/proc/99/root/app/libprobes.so" }]);

        var e = Assert.ThrowsExactly<UprobeAttachException>(session.Start);

        Assert.AreEqual(Errno.ESRCH, e.Errno);
        StringAssert.Contains(e.Message, "2 uprobes at /proc/99/root/app/libprobes.so");
        StringAssert.Contains(e.Message, "pid 99");
    }

    private UsdtSession CreateSession(FakeUprobeKernel kernel, UprobeAttachMethod max = UprobeAttachMethod.UprobeMulti)
    {
        kernel.Syscalls.OnMap = (offset, _) => offset == 0 ? (nint)_consumerPage : (nint)_producerPages;
        return UsdtSession.Create(new UsdtSessionOptions { Kernel = new Kernel(kernel.Syscalls), RingBufferBytes = RingSize, ReadNamespaces = false, MaxAttachMethod = max });
    }

    private static void AddAll(UsdtSession session, int? pid)
    {
        foreach ((uint id, string spec, UprobeTarget target) in Sites)
        {
            session.AddSite(Spec(id, spec), [target with { Pid = pid }]);
        }
    }

    private static UsdtProgramSpec Spec(uint id, string arguments) => new(id, TestSpecParser.ParseAll(arguments), []);
}

internal sealed record MultiLinkCall(int Fd, string Path, ulong[] Offsets, ulong[]? RefCtrOffsets, ulong[] Cookies, uint Pid, uint Flags);

internal sealed record PerfLinkCall(uint TargetFd, ulong Cookie);

/// <summary>
/// A fake kernel of a chosen generation: answers the feature probes of <see cref="UprobeFeatures"/>
/// as such a kernel does, and records every program load and link.
/// </summary>
internal sealed unsafe class FakeUprobeKernel
{
    private int _nextFd = 100;

    public FakeUprobeKernel() => Syscalls = new FakeSyscalls { OnBpf = OnBpf };

    public FakeSyscalls Syscalls { get; }

    public bool UprobeMulti { get; init; }

    public bool PidFilterFixed { get; init; }

    public bool PerfLinks { get; init; }

    /// <summary>Makes every real uprobe_multi link fail with this errno (0: succeed).</summary>
    public int RefuseLinksWith { get; init; }

    public List<uint> LoadedAttachTypes { get; } = [];

    public List<MultiLinkCall> MultiLinks { get; } = [];

    public List<PerfLinkCall> PerfLinkCalls { get; } = [];

    /// <summary>Programs loaded by the feature probes (named probe_*).</summary>
    public int FeatureProbeLoads { get; private set; }

    private long OnBpf(BpfCommand command, void* attr, uint size, out int errno)
    {
        errno = 0;
        switch (command)
        {
            case BpfCommand.ProgLoad:
                var load = (ProgLoadAttr*)attr;
                if (Marshal.PtrToStringUTF8((nint)load->ProgName)!.StartsWith("probe_", StringComparison.Ordinal))
                {
                    FeatureProbeLoads++;
                }
                LoadedAttachTypes.Add(load->ExpectedAttachType);
                return _nextFd++;
            case BpfCommand.LinkCreate:
                return LinkCreate(attr, out errno);
            default:
                return _nextFd++;
        }
    }

    private long LinkCreate(void* attr, out int errno)
    {
        errno = 0;
        uint attachType = ((uint*)attr)[2];
        if (attachType == (uint)BpfAttachType.PerfEvent)
        {
            var perf = (PerfLinkCreateAttr*)attr;
            if (!PerfLinks)
            {
                errno = Errno.EINVAL;
                return -1;
            }
            if (perf->TargetFd == uint.MaxValue)
            {
                errno = Errno.EBADF;
                return -1;
            }
            PerfLinkCalls.Add(new PerfLinkCall(perf->TargetFd, perf->BpfCookie));
            return _nextFd++;
        }
        var multi = (UprobeMultiLinkCreateAttr*)attr;
        string path = Marshal.PtrToStringUTF8((nint)multi->Path)!;
        if (attachType != (uint)BpfAttachType.TraceUprobeMulti || !UprobeMulti)
        {
            errno = Errno.EINVAL;
            return -1;
        }
        if (path == "/")
        {
            // A fixed kernel checks the pid first; an old one finds "/" is no regular file first.
            errno = PidFilterFixed && (int)multi->Pid < 0 ? Errno.EINVAL : Errno.EBADF;
            return -1;
        }
        if (RefuseLinksWith != 0)
        {
            errno = RefuseLinksWith;
            return -1;
        }
        ulong[] Read(ulong pointer) => pointer == 0 ? [] : new ReadOnlySpan<ulong>((void*)pointer, (int)multi->Count).ToArray();
        int fd = _nextFd++;
        MultiLinks.Add(new MultiLinkCall(fd, path, Read(multi->Offsets), multi->RefCtrOffsets == 0 ? null : Read(multi->RefCtrOffsets),
            Read(multi->Cookies), multi->Pid, multi->MultiFlags));
        return fd;
    }
}
