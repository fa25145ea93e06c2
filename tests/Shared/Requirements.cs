using System.Runtime.InteropServices;

namespace Probes.Testing;

/// <summary>
/// Gates for tests that need the kernel (BPF, uprobes), external tools or podman. A test may
/// skip only when the capability is truly absent, with the reason printed. When
/// PROBES_REQUIRE_KERNEL=1 (set by scripts/test.sh when running as root) a missing capability
/// fails the test instead, so CI cannot go green by skipping.
/// </summary>
public static partial class Requirements
{
    public const string RequireVariable = "PROBES_REQUIRE_KERNEL";

    public static bool IsRoot => geteuid() == 0;

    /// <summary>Root (for BPF, perf_event_open and /proc/PID/mem of other processes).</summary>
    public static void Root()
    {
        if (!IsRoot)
        {
            Missing("needs root (BPF and uprobes)");
        }
    }

    /// <summary>An executable on PATH, e.g. bpftrace, readelf, gcc, podman.</summary>
    public static string Tool(string name)
    {
        string? path = Which(name);
        if (path is null)
        {
            Missing($"needs '{name}' on PATH (scripts/setup.sh installs it)");
        }
        return path!;
    }

    /// <summary>Root plus bpftrace: the usual bar for a Kernel-category test with a peer.</summary>
    public static string RootWithBpftrace()
    {
        Root();
        return Tool("bpftrace");
    }

    /// <summary>Root plus podman: the bar for a Container-category test.</summary>
    public static string RootWithPodman()
    {
        Root();
        return Tool("podman");
    }

    public static string? Which(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Skips the test for <paramref name="reason"/>, or fails it when skipping is forbidden.</summary>
    public static void Missing(string reason)
    {
        Console.WriteLine($"SKIP-REASON: {reason}");
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail($"{reason}, and {RequireVariable}=1 forbids skipping");
        }
        Assert.Inconclusive(reason);
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial uint geteuid();
}
