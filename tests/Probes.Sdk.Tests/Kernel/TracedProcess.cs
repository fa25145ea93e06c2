using System.Globalization;

namespace Probes.Sdk.Tests.Kernel;

/// <summary>Reads a live process from outside, as a tracer sees it (root needed for /proc/PID/mem).</summary>
internal static class TracedProcess
{
    /// <summary>Where <paramref name="libraryPath"/> is loaded in <paramref name="pid"/>: the start of its offset-0 mapping.</summary>
    public static ulong LoadBase(int pid, string libraryPath)
    {
        string wanted = Path.GetFullPath(libraryPath);
        foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
        {
            // start-end perms offset dev inode path
            string[] fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 6 && fields[5].Trim() == wanted && ulong.Parse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == 0)
            {
                return ulong.Parse(fields[0].Split('-')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{wanted} is not mapped by pid {pid}");
    }

    public static ushort ReadUInt16(int pid, ulong address)
    {
        using var memory = new FileStream($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
        memory.Seek((long)address, SeekOrigin.Begin);
        Span<byte> value = stackalloc byte[2];
        memory.ReadExactly(value);
        return BitConverter.ToUInt16(value);
    }

    /// <summary>Symbol values of the dynamic symbol table, from binutils' nm (the reference tool).</summary>
    public static ulong SymbolAddress(string file, string symbol)
    {
        ProcessResult nm = ProcessRunner.Run(Requirements.Tool("nm"), ["-D", "--defined-only", file], TimeSpan.FromSeconds(30)).EnsureSuccess("nm");
        foreach (string line in nm.Stdout.Split('\n'))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3 && fields[2] == symbol)
            {
                return ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
        throw new InvalidOperationException($"{symbol} not found in {file}");
    }

    /// <summary>Polls until <paramref name="condition"/> holds or the deadline passes; the kernel applies changes asynchronously to us.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            Thread.Sleep(20);
        }
        return true;
    }
}
