using System.Globalization;
using Probes.Consumer.Elf;

namespace Probes.Consumer.Usdt;

/// <summary>
/// Finds the file offset of a probe site and proves it is one before anyone attaches there.
/// The kernel writes its breakpoint into the page cache of the file at that offset, so every
/// process mapping the file (other containers of an image, the host, if the file is a host
/// library) runs the patched byte. The site must therefore lie in code the file really holds
/// (an executable PT_LOAD, inside p_filesz, inside the file) and be the nop sys/sdt.h puts
/// there. What stays possible: a nop byte inside a longer instruction of a crafted file; that
/// file's own processes then misbehave, which its author could have caused anyway.
/// </summary>
internal static class ProbeSiteCheck
{
    public static ulong FileOffset(IElfFile file, AddressMapper mapper, StapsdtNote note, ulong pc)
    {
        ElfSegment segment = mapper.FindLoadable(pc, s => s.IsExecutable)
            ?? throw note.Refusal(file.Path, $"site 0x{pc:x} lies in no executable loadable segment");
        ulong distance = pc - segment.VirtualAddress;
        if (distance >= segment.FileSize)
        {
            throw note.Refusal(file.Path, $"site 0x{pc:x} lies past the file-backed part of its executable segment (0x{segment.FileSize:x} of 0x{segment.MemorySize:x} bytes)");
        }
        ulong? mapped = AddressMapper.FileOffset(segment, pc);
        if (mapped is not ulong offset || offset >= file.Length)
        {
            string at = mapped is ulong o ? $"file offset 0x{o:x}" : "a file offset past 2^64";
            throw note.Refusal(file.Path, $"site 0x{pc:x} ({at}) lies outside the file (0x{file.Length:x} bytes)");
        }
        if (!ProbeSiteInstruction.Knows(file.Machine))
        {
            throw note.Refusal(file.Path, $"site 0x{pc:x} cannot be checked: nops are known for x86-64 and aarch64, not e_machine {(ushort)file.Machine}");
        }

        Span<byte> code = stackalloc byte[ProbeSiteInstruction.MaxBytes];
        code = code[..(int)Math.Min((ulong)code.Length, file.Length - offset)];
        file.ReadBytes(offset, code);
        if (!ProbeSiteInstruction.IsNop(file.Machine, code, out int examined))
        {
            throw note.Refusal(file.Path, $"site 0x{pc:x} is not a nop (found {Hex(code[..Math.Min(Math.Max(examined, 2), code.Length)])})");
        }
        return offset;
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var parts = new string[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            parts[i] = "0x" + bytes[i].ToString("x2", CultureInfo.InvariantCulture);
        }
        return string.Join(' ', parts);
    }
}
