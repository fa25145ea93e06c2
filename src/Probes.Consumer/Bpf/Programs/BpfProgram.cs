using System.Text;
using Probes.Consumer.Bpf.Instructions;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Programs;

/// <summary>BPF program types we load (enum bpf_prog_type).</summary>
public enum BpfProgramType : uint
{
    SocketFilter = 1,
    /// <summary>Kprobe programs; uprobes use this type too (the context is struct pt_regs).</summary>
    Kprobe = 2,
    /// <summary>BTF-typed tracing programs (fentry, iterators); the attach point is a kernel function's BTF id.</summary>
    Tracing = 26,
}

/// <summary>Attach types we load programs for (enum bpf_attach_type).</summary>
public enum BpfAttachType : uint
{
    /// <summary>BPF_TRACE_ITER: an iterator program, run by reading a descriptor made from its link.</summary>
    TraceIterator = 28,
    /// <summary>BPF_PERF_EVENT: a BPF link on a perf event (Linux 5.15+), which carries a cookie.</summary>
    PerfEvent = 41,
    /// <summary>BPF_TRACE_UPROBE_MULTI: one link puts a kprobe-type program on many uprobes (Linux 6.6+).</summary>
    TraceUprobeMulti = 48,
}

/// <summary>
/// A program loaded into the kernel. Loading first runs without a verifier log (cheaper, and
/// most loads pass); on failure it loads again with log level 1 in a growing buffer and
/// throws <see cref="BpfVerifierException"/> carrying the log.
/// </summary>
public sealed unsafe class BpfProgram : IDisposable
{
    /// <summary>First verifier log buffer; grown 4x on ENOSPC up to <see cref="MaxLogSize"/>.</summary>
    public const int InitialLogSize = 64 * 1024;
    public const int MaxLogSize = 16 * 1024 * 1024;

    private BpfProgram(string name, BpfProgramHandle handle, int instructionCount)
    {
        Name = name;
        Handle = handle;
        InstructionCount = instructionCount;
    }

    public string Name { get; }

    public BpfProgramHandle Handle { get; }

    /// <summary>Number of 8-byte slots loaded.</summary>
    public int InstructionCount { get; }

    public static BpfProgram Load(Kernel kernel, string name, BpfProgramType type, IReadOnlyList<Instruction> instructions, string license = "GPL") =>
        Load(kernel, name, type, instructions, license, attachType: 0, attachBtfId: 0);

    /// <summary>Loads a program that names its attach point up front (a tracing program: attach type and the kernel function's BTF id).</summary>
    public static BpfProgram Load(Kernel kernel, string name, BpfProgramType type, IReadOnlyList<Instruction> instructions, string license, BpfAttachType attachType, int attachBtfId)
    {
        byte[] code = Assembler.Marshal(instructions);
        byte[] licenseBytes = Encoding.ASCII.GetBytes(license + "\0");
        fixed (byte* codePointer = code)
        fixed (byte* licensePointer = licenseBytes)
        {
            var attr = new ProgLoadAttr
            {
                ProgType = (uint)type,
                InsnCount = (uint)(code.Length / 8),
                Insns = (ulong)codePointer,
                License = (ulong)licensePointer,
                ExpectedAttachType = (uint)attachType,
                AttachBtfId = (uint)attachBtfId,
            };
            BpfObjectName.Write(attr.ProgName, name);
            try
            {
                return new BpfProgram(name, kernel.ProgramLoad(ref attr), code.Length / 8);
            }
            catch (BpfPermissionException)
            {
                throw;
            }
            catch (BpfSyscallException first)
            {
                return LoadWithLog(kernel, name, ref attr, first, code.Length / 8);
            }
        }
    }

    private static BpfProgram LoadWithLog(Kernel kernel, string name, ref ProgLoadAttr attr, BpfSyscallException first, int slots)
    {
        int size = InitialLogSize;
        while (true)
        {
            byte[] log = new byte[size];
            fixed (byte* logPointer = log)
            {
                attr.LogLevel = 1;
                attr.LogSize = (uint)size;
                attr.LogBuf = (ulong)logPointer;
                try
                {
                    // The program may pass now (a transient failure); then keep it.
                    return new BpfProgram(name, kernel.ProgramLoad(ref attr), slots);
                }
                catch (BpfSyscallException retry) when (retry.Errno == Errno.ENOSPC && size < MaxLogSize)
                {
                    size *= 4;
                }
                catch (BpfSyscallException retry) when (retry is not BpfPermissionException)
                {
                    bool truncated = retry.Errno == Errno.ENOSPC;
                    int errno = truncated ? first.Errno : retry.Errno;
                    throw new BpfVerifierException(name, errno, DecodeLog(log), truncated);
                }
                finally
                {
                    attr.LogBuf = 0;
                }
            }
        }
    }

    private static string DecodeLog(byte[] log)
    {
        int end = Array.IndexOf(log, (byte)0);
        return Encoding.UTF8.GetString(log, 0, end < 0 ? log.Length : end);
    }

    public void Dispose() => Handle.Dispose();
}
