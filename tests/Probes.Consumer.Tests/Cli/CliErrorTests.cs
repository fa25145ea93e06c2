using Probes.Consumer.Cli;
using Probes.Consumer.Tests.Support;
using CliApp = Probes.Consumer.Cli.ProbesCli;

namespace Probes.Consumer.Tests.Cli;

/// <summary>
/// Every failure is one line on stderr (<c>probes: error: ...</c>), nothing on stdout, and its
/// documented exit code: checked in-process through the fake console and, for each kind,
/// once more through the real binary.
/// </summary>
[TestClass]
public sealed class CliErrorTests
{
    private const int NoSuchPid = int.MaxValue; // above any pid_max (at most 2^22)

    private static string NotElf => WriteScratch("not-elf.txt", "just text\n"u8.ToArray());

    private static string TruncatedElf => WriteScratch("truncated.so", File.ReadAllBytes(TestPaths.LibProbes)[..100]);

    public static IEnumerable<object[]> Failures =>
    [
        [new[] { "list", "/nonexistent/lib.so" }, ExitCode.NotFound, "probes: error: /nonexistent/lib.so: no such file"],
        [new[] { "list", "/" }, ExitCode.NotFound, "probes: error: /: is a directory, not an ELF file"],
        [new[] { "list", "NOT_ELF" }, ExitCode.BadInput, "probes: error: NOT_ELF: not an ELF file (bad magic)"],
        [new[] { "list", "TRUNCATED" }, ExitCode.BadInput, "probes: error: TRUNCATED: program header table (0x1f8 bytes at offset 0x40) lies outside the file (0x64 bytes)"],
        [new[] { "list", "--pid", $"{NoSuchPid}" }, ExitCode.NotFound, $"probes: error: no process with pid {NoSuchPid}"],
        [new[] { "list", "--container", "no-such-container-xyz" }, ExitCode.NotFound, "probes: error: no running container named 'no-such-container-xyz'"],
        [new[] { "list", "--container", "0000000000ff" }, ExitCode.NotFound, "probes: error: no running container named or with an id starting with '0000000000ff'"],
        [new[] { "list" }, ExitCode.Usage, "probes: error: give exactly one target: FILE, --pid PID or --container NAME_OR_ID (see 'probes --help')"],
        [new[] { "list", "/bin/true", "--pid", "1" }, ExitCode.Usage, "probes: error: give exactly one target: FILE, --pid PID or --container NAME_OR_ID (see 'probes --help')"],
        [new[] { "list", "--pid", "0" }, ExitCode.Usage, "probes: error: --pid must be a positive process id, not '0' (see 'probes --help')"],
        [new[] { "list", "--pid", "abc" }, ExitCode.Usage, "probes: error: --pid must be a positive process id, not 'abc' (see 'probes --help')"],
        [new[] { "list", "--pid", "-5" }, ExitCode.Usage, "probes: error: "],
        [new[] { "list", "/bin/true", "--frobnicate" }, ExitCode.Usage, "probes: error: Unrecognized command or argument '--frobnicate'"],
        [Array.Empty<string>(), ExitCode.Usage, "probes: error: Required command was not provided."],
        // A directory or device given as FILE, to every verb.
        [new[] { "trace", "/" }, ExitCode.NotFound, "probes: error: /: is a directory, not an ELF file"],
        [new[] { "list", "--phases", "/" }, ExitCode.NotFound, "probes: error: /: is a directory, not an ELF file"],
        [new[] { "list", "--phases", "/dev/null" }, ExitCode.NotFound, "probes: error: /dev/null: not a regular file (a device)"],
    ];

    [TestMethod]
    [DynamicData(nameof(Failures))]
    public void InProcessFailureIsOneLineAndItsExitCode(string[] args, ExitCode expected, string line)
    {
        (args, line) = Substitute(args, line);
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliApp.Run(args, new CliConsole(output, error));
        AssertOneLineFailure(code, output.ToString(), error.ToString(), expected, line);
    }

    [TestMethod]
    [DynamicData(nameof(Failures))]
    public void RealBinaryFailureIsOneLineAndItsExitCode(string[] args, ExitCode expected, string line)
    {
        (args, line) = Substitute(args, line);
        ProcessResult result = ProbesBinary.Run(args);
        AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, expected, line);
    }

    [TestMethod]
    [DataRow("list")]
    [DataRow("list --phases")]
    [DataRow("trace")]
    [DataRow("phases")]
    public void FifoGivenAsFileFailsInsteadOfWaitingForAWriter(string verb)
    {
        // Only through the binary: ProcessRunner's time limit turns a regression (a blocking open) into a failure, not a hung suite.
        string fifo = Path.Combine(TestPaths.ScratchDirectory, $"fifo-{Guid.NewGuid():N}");
        ProcessRunner.Run(Requirements.Tool("mkfifo"), [fifo], ProbesBinary.Timeout).EnsureSuccess("mkfifo");
        ProcessResult result = ProbesBinary.Run([.. verb.Split(' '), fifo]);
        AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, ExitCode.NotFound, $"probes: error: {fifo}: not a regular file (a pipe or socket)");
    }

    [TestMethod]
    [TestCategory("Kernel")]
    [DataRow("list")]
    [DataRow("list --phases")]
    [DataRow("trace")]
    public void A_kernel_stream_file_is_refused_like_a_pipe(string verb)
    {
        // tracefs's trace_pipe is "regular" by type, yet a stream: reading it blocks, and it cannot be read at an offset.
        Requirements.Root();
        const string tracePipe = "/sys/kernel/tracing/trace_pipe";
        if (!File.Exists(tracePipe))
        {
            ProcessRunner.Run(Requirements.Tool("mount"), ["-t", "tracefs", "nodev", "/sys/kernel/tracing"], ProbesBinary.Timeout).EnsureSuccess("mount tracefs");
        }
        ProcessResult result = ProbesBinary.Run([.. verb.Split(' '), tracePipe]);
        AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, ExitCode.NotFound,
            $"probes: error: {tracePipe}: not a regular file (a kernel interface that cannot be read at an offset)");
    }

    [TestMethod]
    [DataRow("list")]
    [DataRow("list --phases")]
    public void An_assembly_over_2_GiB_is_bad_input(string verb)
    {
        // A sparse file: 3 GiB long, a few bytes on disk, "MZ" first so it is taken for an assembly.
        string big = Path.Combine(TestPaths.ScratchDirectory, $"big-{Guid.NewGuid():N}.dll");
        using (var file = new FileStream(big, FileMode.CreateNew))
        {
            file.Write("MZ"u8);
            file.SetLength(3L << 30);
        }
        try
        {
            ProcessResult result = ProbesBinary.Run([.. verb.Split(' '), big]);
            AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, ExitCode.BadInput,
                $"probes: error: {big}: 3221225472 bytes, larger than a .NET assembly can be (2 GiB)");
        }
        finally
        {
            File.Delete(big);
        }
    }

    [TestMethod]
    public void A_process_mapping_an_assembly_over_2_GiB_still_lists_the_phases_of_the_others()
    {
        // Any process can map such a file; one of them must not fail `list --phases --pid` as a whole.
        string big = Path.Combine(TestPaths.ScratchDirectory, $"big-mapped-{Guid.NewGuid():N}.dll");
        using (var file = new FileStream(big, FileMode.CreateNew))
        {
            file.Write("MZ"u8);
            file.SetLength(3L << 30);
        }
        try
        {
            string script = "import mmap, sys, time\n"
                + "files = [open(p, 'rb') for p in sys.argv[1:]]\n"
                + "maps = [mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) for f in files]\n"
                + "print('ready', flush=True)\ntime.sleep(600)\n";
            using var mapper = new LiveProcess(TraceFixtures.Python, ["-c", script, SampleService.Dll, big]);
            mapper.WaitForStdout("ready", ProbesBinary.Timeout);
            ProcessResult result = ProbesBinary.Run("list", "--phases", "--pid", $"{mapper.Pid}");
            Assert.AreEqual(0, result.ExitCode, result.Stderr);
            StringAssert.Contains(result.Stdout, "Probes.Sample  phase HandleRequest");
            Assert.AreEqual($"probes: warning: pid {mapper.Pid}: {big}: 3221225472 bytes, larger than a .NET assembly can be (2 GiB)\n", result.Stderr);
        }
        finally
        {
            File.Delete(big);
        }
    }

    [TestMethod]
    [TestCategory("Kernel")]
    public void UnprivilegedUserGetsThePrivilegesExitCode()
    {
        Requirements.Root();
        string runuser = Requirements.Tool("runuser");
        ProcessResult result = ProcessRunner.Run(runuser, ["-u", "nobody", "--", TestPaths.ProbesExecutable, "list", "--pid", "1"], ProbesBinary.Timeout);
        AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, ExitCode.Privileges,
            "probes: error: probes list needs CAP_SYS_PTRACE (missing: CAP_SYS_PTRACE, because pid 1 runs as another user, uid 0); run as root or grant it");
    }

    private static void AssertOneLineFailure(int code, string stdout, string stderr, ExitCode expected, string line)
    {
        Assert.AreEqual((int)expected, code, $"exit code; stderr: {stderr}");
        Assert.AreEqual("", stdout, "nothing on stdout when failing");
        string[] lines = stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.HasCount(1, lines, $"exactly one stderr line, got:\n{stderr}");
        StringAssert.StartsWith(lines[0], line);
    }

    private static (string[] Args, string Line) Substitute(string[] args, string line)
    {
        (string Token, Func<string> Path)[] files = [("NOT_ELF", () => NotElf), ("TRUNCATED", () => TruncatedElf)];
        foreach ((string token, Func<string> path) in files)
        {
            if (args.Contains(token))
            {
                string real = path();
                return (args.Select(a => a == token ? real : a).ToArray(), line.Replace(token, real, StringComparison.Ordinal));
            }
        }
        return (args, line);
    }

    private static string WriteScratch(string name, byte[] content)
    {
        string path = Path.Combine(TestPaths.ScratchDirectory, name);
        File.WriteAllBytes(path, content);
        return path;
    }
}
