using Microsoft.Win32.SafeHandles;

namespace Probes.Consumer.Elf;

/// <summary>
/// Random access to the bytes of an ELF image. The reader fetches only the tables and the
/// sections it needs (a few KiB for a 2 MiB library), so a 200 MiB binary costs no more to
/// list than a small one, and no file is ever loaded whole.
/// Callers have already checked that the range lies inside <see cref="Length"/>.
/// </summary>
internal interface IElfSource : IDisposable
{
    long Length { get; }

    void Read(long offset, Span<byte> destination);
}

/// <summary>An image already in memory: fixtures, fuzzing, tests.</summary>
internal sealed class MemoryElfSource(ReadOnlyMemory<byte> bytes) : IElfSource
{
    public long Length => bytes.Length;

    public void Read(long offset, Span<byte> destination) =>
        bytes.Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);

    public void Dispose()
    {
    }
}

/// <summary>An open file, read with positional reads (no shared file position, no buffering).</summary>
internal sealed class FileElfSource(SafeFileHandle handle, string path) : IElfSource
{
    public long Length { get; } = RandomAccess.GetLength(handle);

    public void Read(long offset, Span<byte> destination)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, offset);
            if (read == 0)
            {
                // The file shrank under us (e.g. replaced while a process still maps it).
                throw new ElfFormatException($"{path}: file ended early at offset 0x{offset:x}");
            }
            destination = destination[read..];
            offset += read;
        }
    }

    public void Dispose() => handle.Dispose();
}
