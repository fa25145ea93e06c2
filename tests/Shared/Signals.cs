using System.Runtime.InteropServices;

namespace Probes.Testing;

/// <summary>Sends POSIX signals, which System.Diagnostics.Process cannot (it only kills).</summary>
public static partial class Signals
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    public static void Send(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            const int ESRCH = 3; // already gone: nothing left to signal
            if (errno != ESRCH)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
