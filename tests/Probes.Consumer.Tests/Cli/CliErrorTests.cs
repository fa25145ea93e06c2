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
[TestCategory("Cli")]
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
        [new[] { "list", "/bin/true", "--frobnicate" }, ExitCode.Usage, "probes: error: unknown option '--frobnicate' for 'probes list' (see 'probes --help')"],
        [Array.Empty<string>(), ExitCode.Usage, "probes: error: no command given; the commands are list, trace, phases, containers, ps, agent and hook (see 'probes --help')"],
        // A mistyped verb or option is named as such, with the nearest one when it is a near miss.
        [new[] { "bogus" }, ExitCode.Usage, "probes: error: unknown command 'bogus'; the commands are list, trace, phases, containers, ps, agent and hook (see 'probes --help')"],
        [new[] { "lsit", "/bin/true" }, ExitCode.Usage, "probes: error: unknown command 'lsit' (did you mean 'list'?) (see 'probes --help')"],
        [new[] { "list", "--bogus-flag" }, ExitCode.Usage, "probes: error: unknown option '--bogus-flag' for 'probes list' (see 'probes --help')"],
        [new[] { "trace", "LIBPROBES", "--durration", "5" }, ExitCode.Usage, "probes: error: unknown option '--durration' for 'probes trace' (did you mean '--duration'?) (see 'probes --help')"],
        [new[] { "list", "/bin/true", "/bin/false" }, ExitCode.Usage, "probes: error: unexpected argument '/bin/false' for 'probes list' (see 'probes --help')"],
        [new[] { "list", "--pid" }, ExitCode.Usage, "probes: error: option '--pid' needs a value (see 'probes --help')"],
        // After --, what looks like an option is a file name.
        [new[] { "list", "--", "--bogus-flag" }, ExitCode.NotFound, "probes: error: --bogus-flag: no such file"],
        // No @response files: '@x' is a file name.
        [new[] { "list", "@/bin/true" }, ExitCode.NotFound, "probes: error: @/bin/true: no such file"],
        [new[] { "phases", "--format", "xml", "LIBPROBES" }, ExitCode.Usage, "probes: error: --format must be table, json, chrome, tree or tree-json, not 'xml' (see 'probes --help')"],
        // Numbers that do not parse or are out of range are usage errors, never "internal error".
        [new[] { "trace", "LIBPROBES", "--duration", "NaN" }, ExitCode.Usage, "probes: error: --duration must be a number of seconds above 0 and at most 4294967 (about 49 days), not 'NaN'"],
        [new[] { "trace", "LIBPROBES", "--duration", "Infinity" }, ExitCode.Usage, "probes: error: --duration must be a number of seconds above 0 and at most 4294967 (about 49 days), not 'Infinity'"],
        [new[] { "phases", "LIBPROBES", "--duration", "1e308" }, ExitCode.Usage, "probes: error: --duration must be a number of seconds above 0 and at most 4294967 (about 49 days), not '1e308'"],
        [new[] { "trace", "LIBPROBES", "--duration", "abc" }, ExitCode.Usage, "probes: error: --duration must be a number of seconds above 0 and at most 4294967 (about 49 days), not 'abc'"],
        [new[] { "trace", "LIBPROBES", "--duration", "0" }, ExitCode.Usage, "probes: error: --duration must be a number of seconds above 0"],
        [new[] { "trace", "LIBPROBES", "--ring-size", "2147483648" }, ExitCode.Usage, "probes: error: --ring-size must be a power of two from 4096 to 1073741824 (1 GiB) bytes, in decimal digits, not '2147483648'"],
        [new[] { "phases", "LIBPROBES", "--ring-size", "0x1000" }, ExitCode.Usage, "probes: error: --ring-size must be a power of two from 4096 to 1073741824 (1 GiB) bytes, in decimal digits, not '0x1000'"],
        // --slow takes a duration with its unit: none, a sign, an exponent, zero or over a day is a usage error.
        [new[] { "phases", "LIBPROBES", "--slow", "10" }, ExitCode.Usage, "probes: error: --slow must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '10'"],
        [new[] { "phases", "LIBPROBES", "--slow", "-5ms" }, ExitCode.Usage, "probes: error: --slow must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '-5ms'"],
        [new[] { "phases", "LIBPROBES", "--slow", "1e3ms" }, ExitCode.Usage, "probes: error: --slow must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '1e3ms'"],
        [new[] { "phases", "LIBPROBES", "--slow", "0ms" }, ExitCode.Usage, "probes: error: --slow must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '0ms'"],
        [new[] { "phases", "LIBPROBES", "--min-duration", "99999999999999999999999999999999s" }, ExitCode.Usage, "probes: error: --min-duration must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not '99999999999999999999999999999999s'"],
        [new[] { "phases", "LIBPROBES", "--min-duration", "fast" }, ExitCode.Usage, "probes: error: --min-duration must be a duration with a unit (250us, 10ms, 1.5s; ns, us, ms or s) of at least 1 ns and at most 1 day, not 'fast'"],
        [new[] { "phases", "LIBPROBES", "--slow", "10ms", "--format", "chrome" }, ExitCode.Usage, "probes: error: --slow lists slow phases in the table and json reports, not in --format chrome"],
        [new[] { "trace", "LIBPROBES", "--str", "abc" }, ExitCode.Usage, "probes: error: --str takes an argument number (0 for the first argument), not 'abc'"],
        [new[] { "trace", "LIBPROBES", "--str", "-1" }, ExitCode.Usage, "probes: error: --str takes an argument number (0 for the first argument), not '-1'"],
        [new[] { "trace", "LIBPROBES", "--probe", "" }, ExitCode.Usage, "probes: error: --probe '' is not a probe selector"],
        [new[] { "trace", "--pid", "abc" }, ExitCode.Usage, "probes: error: --pid must be a positive process id, not 'abc'"],
        [new[] { "phases", "--pid", "0" }, ExitCode.Usage, "probes: error: --pid must be a positive process id, not '0'"],
        // Empty strings are not names.
        [new[] { "list", "" }, ExitCode.Usage, "probes: error: FILE must not be an empty string"],
        [new[] { "trace", "--container", "" }, ExitCode.Usage, "probes: error: --container must not be an empty string"],
        [new[] { "phases", "--image", "" }, ExitCode.Usage, "probes: error: --image must not be an empty string"],
        // phases -o is checked before anything is attached.
        [new[] { "phases", "LIBPROBES", "-o", "" }, ExitCode.Usage, "probes: error: --output needs a file name, not an empty string"],
        [new[] { "phases", "LIBPROBES", "-o", "/" }, ExitCode.Usage, "probes: error: --output /: is a directory; name a file"],
        [new[] { "phases", "LIBPROBES", "-o", "/nonexistent/report.json" }, ExitCode.Usage, "probes: error: --output /nonexistent/report.json: no such directory /nonexistent"],
        // A directory given as FILE, to every verb.
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
    [DataRow("list /bin/true >&-", "stdout is closed or not open for writing")]
    [DataRow("trace LIBPROBES --duration 0.2 >&-", "stdout is closed or not open for writing")]
    // With stdin closed too, under CoreCLR descriptor 1 becomes the write end of the runtime's own pipe
    // ("stdout is closed (descriptor 1 is a pipe of this process's own)"); the native executable finds it
    // closed. Nothing may be written there either way.
    [DataRow("phases LIBPROBES --duration 0.2 --format json <&- >&-", "stdout is closed")]
    public void A_closed_stdout_fails_before_anything_is_done(string command, string reason)
    {
        string script = $"\"$0\" {command.Replace("LIBPROBES", TestPaths.LibProbes, StringComparison.Ordinal)}";
        ProcessResult result = ProcessRunner.Run(Requirements.Tool("bash"), ["-c", script, TestPaths.ProbesExecutable], ProbesBinary.Timeout);
        AssertOneLineFailure(result.ExitCode, result.Stdout, result.Stderr, ExitCode.OutputFailed, $"probes: error: {reason}");
        StringAssert.EndsWith(result.Stderr.TrimEnd('\n'), "; give probes an open stdout (> /dev/null to discard it)");
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
        (string Token, Func<string> Path)[] files = [("NOT_ELF", () => NotElf), ("TRUNCATED", () => TruncatedElf), ("LIBPROBES", () => TestPaths.LibProbes)];
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
