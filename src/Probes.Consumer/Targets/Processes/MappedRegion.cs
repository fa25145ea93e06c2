using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Processes;

/// <summary>
/// Where a process maps a file, from one line of its <c>/proc/PID/maps</c>: the address range
/// (which names the file's entry in <c>/proc/PID/map_files</c>) and the identity the kernel
/// reported for the mapped file, against which whatever is opened later is checked.
/// </summary>
public sealed record MappedRegion(string ProcRoot, int Pid, ulong Start, ulong End, FileIdentity Identity)
{
    /// <summary>The exact mapped file, by construction (the kernel's own reference to it).</summary>
    public string MapFilesPath => $"{ProcRoot}/{Pid}/map_files/{Start:x}-{End:x}";

    /// <summary>The process's root directory, where its paths must be resolved.</summary>
    public string RootPath => $"{ProcRoot}/{Pid}/root";
}
