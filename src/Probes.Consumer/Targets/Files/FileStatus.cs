using System.Buffers.Binary;

namespace Probes.Consumer.Targets.Files;

/// <summary>
/// What statx(2) says about an open descriptor: its type and its <see cref="FileIdentity"/>.
/// statx rather than fstat: its layout is the same on every architecture and it gives the
/// device as separate major and minor numbers (the form /proc/PID/maps prints), so no
/// <c>st_dev</c> encoding has to be undone; glibc has exported it since 2.28, below the
/// oldest glibc .NET supports.
/// </summary>
public readonly record struct FileStatus(uint Mode, FileIdentity Identity)
{
    /// <summary>Size of <c>struct statx</c> (include/uapi/linux/stat.h); the kernel never writes more.</summary>
    public const int BufferSize = 256;

    private const uint TypeMask = 0xf000;    // S_IFMT
    private const uint Regular = 0x8000;     // S_IFREG
    private const uint DirectoryType = 0x4000; // S_IFDIR
    private const uint CharacterDevice = 0x2000; // S_IFCHR
    private const uint BlockDevice = 0x6000;   // S_IFBLK

    public bool IsRegularFile => (Mode & TypeMask) == Regular;

    public bool IsDirectory => (Mode & TypeMask) == DirectoryType;

    public bool IsDevice => (Mode & TypeMask) is CharacterDevice or BlockDevice;

    /// <summary>
    /// Decodes a filled <c>struct statx</c>: stx_mode (u16) at 28, stx_ino (u64) at 32,
    /// stx_dev_major and stx_dev_minor (u32) at 136 and 140.
    /// </summary>
    public static FileStatus FromStatx(ReadOnlySpan<byte> statx) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(statx[28..]),
        new FileIdentity(
            BinaryPrimitives.ReadUInt32LittleEndian(statx[136..]),
            BinaryPrimitives.ReadUInt32LittleEndian(statx[140..]),
            BinaryPrimitives.ReadUInt64LittleEndian(statx[32..])));
}
