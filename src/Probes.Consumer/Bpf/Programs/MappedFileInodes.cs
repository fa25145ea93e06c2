using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Probes.Consumer.Bpf.Btf;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>One file mapping of this process as the kernel holds it: start address and the inode behind it.</summary>
/// <param name="Device">The inode's super block device, a kernel <c>dev_t</c> (major &lt;&lt; 20 | minor).</param>
public readonly record struct MappedInode(ulong Start, uint Device, ulong Inode);

/// <summary>
/// Asks the kernel which inode backs each file mapping of this very process, with a BPF
/// iterator over our own VMAs (<c>iter/task_vma</c>, Linux 6.1+ for the one-task filter):
/// <c>vma-&gt;vm_file-&gt;f_inode</c>, the inode's <c>i_sb-&gt;s_dev</c> and <c>i_ino</c>.
///
/// Why the kernel and not /proc: for a file on overlayfs, the mapping's <c>vm_file</c> is the
/// real (upper or lower) file, and a uprobe opened through the overlay path lands on that same
/// inode (<c>d_real_inode</c>). Since Linux 6.8 /proc/PID/maps and statx both report the
/// overlay's inode instead, whose device differs per container and whose number survives a
/// copy-up, so neither can tell which replicas share a uprobe.
///
/// The iterator's output is read with a plain read(2) of the iterator descriptor: it is made,
/// read to its end and closed here, and is not part of the <see cref="ISyscalls"/> seam.
/// </summary>
public static partial class MappedFileInodes
{
    private const string IteratorFunction = "bpf_iter_task_vma";
    private const int RecordBytes = 24; // u64 start, u64 device, u64 inode

    /// <summary>Every file mapping of this process. Throws <see cref="BpfException"/> when the kernel cannot say (no BTF, no task_vma iterator, no privilege).</summary>
    public static IReadOnlyList<MappedInode> OfCurrentProcess(Kernel? kernel = null, KernelBtf? btf = null)
    {
        kernel ??= Kernel.Default;
        btf ??= KernelBtf.LoadVmlinux();
        using BpfProgram program = BpfProgram.Load(kernel, "probes_vma_inode", BpfProgramType.Tracing, Program(btf), "GPL",
            BpfAttachType.TraceIterator, btf.FunctionId(IteratorFunction));
        using BpfIteratorLinkHandle link = CreateLink(kernel, program, Environment.ProcessId);
        using BpfIteratorHandle iterator = CreateIterator(kernel, link);
        return Parse(ReadToEnd(iterator));
    }

    /// <summary>
    /// The iterator program: for each VMA with a file, writes its start, the device and the
    /// inode number of <c>vm_file-&gt;f_inode</c>. Loads go straight through the BTF-typed
    /// context pointers (the verifier makes them fault-safe).
    /// </summary>
    public static IReadOnlyList<Instruction> Program(KernelBtf btf)
    {
        short Offset(string structName, string member) => checked((short)btf.MemberOffset(structName, member));
        var b = new ProgramBuilder();
        const string Done = "done";
        b.Emit(
            Asm.Mov(Register.R6, Register.R1),                                                             // ctx
            Asm.LoadMem(Register.R7, Register.R6, Offset("bpf_iter__task_vma", "vma"), Size.DWord),      // vma (NULL at the end)
            JumpOp.Equal.Imm(Register.R7, 0, Done),
            Asm.LoadMem(Register.R8, Register.R7, Offset("vm_area_struct", "vm_file"), Size.DWord),      // vm_file (NULL: anonymous)
            JumpOp.Equal.Imm(Register.R8, 0, Done),
            Asm.LoadMem(Register.R8, Register.R8, Offset("file", "f_inode"), Size.DWord),                // the real inode for overlayfs
            JumpOp.Equal.Imm(Register.R8, 0, Done),
            Asm.LoadMem(Register.R2, Register.R7, Offset("vm_area_struct", "vm_start"), Size.DWord),
            Asm.StoreMem(Register.R10, -24, Register.R2, Size.DWord),
            Asm.LoadMem(Register.R2, Register.R8, Offset("inode", "i_ino"), Size.DWord),
            Asm.StoreMem(Register.R10, -8, Register.R2, Size.DWord),
            Asm.LoadMem(Register.R9, Register.R8, Offset("inode", "i_sb"), Size.DWord),
            JumpOp.Equal.Imm(Register.R9, 0, Done),
            Asm.LoadMem(Register.R2, Register.R9, Offset("super_block", "s_dev"), Size.Word),
            Asm.StoreMem(Register.R10, -16, Register.R2, Size.DWord),
            Asm.LoadMem(Register.R1, Register.R6, Offset("bpf_iter__task_vma", "meta"), Size.DWord),
            Asm.LoadMem(Register.R1, Register.R1, Offset("bpf_iter_meta", "seq"), Size.DWord),
            Asm.Mov(Register.R2, Register.R10),
            AluOp.Add.Imm(Register.R2, -RecordBytes),
            Asm.Mov(Register.R3, RecordBytes),
            Asm.Call(HelperFunction.SeqWrite));
        b.Label(Done);
        b.Emit(Asm.Mov(Register.R0, 0), Asm.Exit());
        return b.Instructions;
    }

    /// <summary>Decodes the iterator's records; a trailing partial record (never written by the program) is ignored.</summary>
    public static IReadOnlyList<MappedInode> Parse(ReadOnlySpan<byte> output)
    {
        var mappings = new List<MappedInode>(output.Length / RecordBytes);
        for (int offset = 0; offset + RecordBytes <= output.Length; offset += RecordBytes)
        {
            ReadOnlySpan<byte> record = output[offset..];
            mappings.Add(new MappedInode(
                BinaryPrimitives.ReadUInt64LittleEndian(record),
                (uint)BinaryPrimitives.ReadUInt64LittleEndian(record[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(record[16..])));
        }
        return mappings;
    }

    private static unsafe BpfIteratorLinkHandle CreateLink(Kernel kernel, BpfProgram program, int threadId)
    {
        var info = new IterTaskLinkInfo { Tid = (uint)threadId };
        bool added = false;
        program.Handle.DangerousAddRef(ref added);
        try
        {
            var attr = new IterLinkCreateAttr
            {
                ProgFd = (uint)program.Handle.Fd,
                AttachType = (uint)BpfAttachType.TraceIterator,
                IterInfo = (ulong)&info,
                IterInfoLen = (uint)sizeof(IterTaskLinkInfo),
            };
            return new BpfIteratorLinkHandle(kernel.Syscalls, checked((int)kernel.Bpf(BpfCommand.LinkCreate, ref attr)));
        }
        finally
        {
            if (added)
            {
                program.Handle.DangerousRelease();
            }
        }
    }

    private static BpfIteratorHandle CreateIterator(Kernel kernel, BpfIteratorLinkHandle link)
    {
        bool added = false;
        link.DangerousAddRef(ref added);
        try
        {
            var attr = new IterCreateAttr { LinkFd = (uint)link.Fd };
            return new BpfIteratorHandle(kernel.Syscalls, checked((int)kernel.Bpf(BpfCommand.IterCreate, ref attr)));
        }
        finally
        {
            if (added)
            {
                link.DangerousRelease();
            }
        }
    }

    /// <summary>Reads until end of file (the iterator ran past the last VMA); bounded, since one process maps at most ~65k areas by default.</summary>
    private static unsafe byte[] ReadToEnd(BpfIteratorHandle iterator)
    {
        const int MaxBytes = 64 << 20;
        using var output = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        bool added = false;
        iterator.DangerousAddRef(ref added);
        try
        {
            while (true)
            {
                long read;
                fixed (byte* pointer = buffer)
                {
                    read = ReadDescriptor(iterator.Fd, pointer, (nuint)buffer.Length);
                }
                if (read < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }
                    throw Kernel.Failure("read(bpf iterator)", errno);
                }
                if (read == 0)
                {
                    return output.ToArray();
                }
                output.Write(buffer, 0, (int)read);
                if (output.Length > MaxBytes)
                {
                    throw new BpfException($"the VMA iterator wrote more than {MaxBytes >> 20} MiB");
                }
            }
        }
        finally
        {
            if (added)
            {
                iterator.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial long ReadDescriptor(int fd, byte* buffer, nuint count);
}

/// <summary>A BPF link descriptor of an iterator.</summary>
public sealed class BpfIteratorLinkHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);

/// <summary>A readable iterator descriptor (BPF_ITER_CREATE).</summary>
public sealed class BpfIteratorHandle(ISyscalls syscalls, int fd) : BpfFileDescriptor(syscalls, fd);
