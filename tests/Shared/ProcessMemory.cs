using System.Buffers.Binary;
using System.Globalization;

namespace Probes.Testing;

/// <summary>
/// Reads a live process from outside, as a tracer sees it (root needed for another process's
/// /proc/PID/mem): where a file is mapped, and the u16 probe semaphores in it.
/// </summary>
public static class ProcessMemory
{
    /// <summary>The u16 at <paramref name="address"/> of <paramref name="pid"/>.</summary>
    public static ushort ReadUInt16(int pid, ulong address)
    {
        using var memory = new FileStream($"/proc/{pid}/mem", FileMode.Open, FileAccess.Read);
        memory.Seek((long)address, SeekOrigin.Begin);
        Span<byte> value = stackalloc byte[2];
        memory.ReadExactly(value);
        return BinaryPrimitives.ReadUInt16LittleEndian(value);
    }

    /// <summary>
    /// The u16 at <paramref name="fileOffset"/> of <paramref name="mappedPath"/> in <paramref name="pid"/>'s memory,
    /// through the mapping that holds that offset (so it works for PIE, non-PIE and shared libraries alike).
    /// </summary>
    public static ushort ReadMappedUInt16(int pid, string mappedPath, ulong fileOffset)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
        {
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[5].Trim() != mappedPath)
            {
                continue;
            }
            string[] range = f[0].Split('-');
            ulong start = Hex(range[0]);
            ulong end = Hex(range[1]);
            ulong offset = Hex(f[2]);
            if (fileOffset >= offset && fileOffset + 2 <= offset + (end - start))
            {
                return ReadUInt16(pid, start + fileOffset - offset);
            }
        }
        throw new InvalidOperationException($"file offset 0x{fileOffset:x} of {mappedPath} is not mapped in pid {pid}");
    }

    /// <summary>Where <paramref name="path"/> is loaded in <paramref name="pid"/>: the start of its offset-0 mapping.</summary>
    public static ulong LoadBase(int pid, string path)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/maps"))
        {
            // start-end perms offset dev inode path
            string[] f = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 6 && f[5].Trim() == path && Hex(f[2]) == 0)
            {
                return Hex(f[0].Split('-')[0]);
            }
        }
        throw new InvalidOperationException($"{path} is not mapped by pid {pid}");
    }

    /// <summary>Whether <paramref name="pid"/> maps <paramref name="path"/> (false once it is gone).</summary>
    public static bool Maps(int pid, string path)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/maps").Contains(path, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
