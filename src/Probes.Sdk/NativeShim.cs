using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Probes;

/// <summary>
/// The binding to libprobes.so. Loaded once; if anything about it fails (not Linux, file
/// missing, wrong file) the semaphores point at a zero that never changes, so every probe is
/// disabled for good and no caller ever sees an exception.
/// </summary>
internal static unsafe class NativeShim
{
    /// <summary>Environment variable naming an explicit libprobes.so to load (tests, unusual layouts).</summary>
    public const string LibraryPathVariable = "PROBES_LIBRARY";

    public const string LibraryFileName = "libprobes.so";

    // Read by every probe site. Static readonly, so the tiered JIT folds the pointer into the
    // code and the disabled check is one load and one branch.
    public static readonly ushort* PhaseBeginSemaphore;
    public static readonly ushort* PhaseEndSemaphore;
    public static readonly ushort* MarkSemaphore;

    /// <summary>ABI v2. Stays on the private zero with a v1 shim, which simply has no such probe.</summary>
    public static readonly ushort* PhaseContextSemaphore;

    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, ulong, void> PhaseBegin;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, int, void> PhaseEnd;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, long, void> Mark;
    public static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong, ulong, ulong, ulong, void> PhaseContext;

    /// <summary>The file that was loaded, or null.</summary>
    public static readonly string? LoadedPath;

    /// <summary>Why the shim is not loaded, or null when it is.</summary>
    public static readonly string? LoadError;

    private static readonly ushort* NeverEnabled = (ushort*)NativeMemory.AllocZeroed(sizeof(ushort));

#pragma warning disable CA1810 // the fields must be set together, in one guarded place
    static NativeShim()
#pragma warning restore CA1810
    {
        PhaseBeginSemaphore = PhaseEndSemaphore = MarkSemaphore = PhaseContextSemaphore = NeverEnabled;
        try
        {
            if (!TryLoad(out IntPtr handle, out string? path, out string? error))
            {
                LoadError = error;
                return;
            }

            if (!NativeLibrary.TryGetExport(handle, "probes_phase_begin", out IntPtr begin)
                || !NativeLibrary.TryGetExport(handle, "probes_phase_end", out IntPtr end)
                || !NativeLibrary.TryGetExport(handle, "probes_mark", out IntPtr mark)
                || !NativeLibrary.TryGetExport(handle, "probes_phase_begin_semaphore", out IntPtr beginSemaphore)
                || !NativeLibrary.TryGetExport(handle, "probes_phase_end_semaphore", out IntPtr endSemaphore)
                || !NativeLibrary.TryGetExport(handle, "probes_mark_semaphore", out IntPtr markSemaphore))
            {
                LoadError = $"{path} does not export the probe ABI v1 symbols";
                return;
            }

            PhaseBegin = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, ulong, void>)begin;
            PhaseEnd = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, ulong, int, void>)end;
            Mark = (delegate* unmanaged[Cdecl, SuppressGCTransition]<uint, byte*, long, void>)mark;
            PhaseBeginSemaphore = (ushort*)beginSemaphore;
            PhaseEndSemaphore = (ushort*)endSemaphore;
            MarkSemaphore = (ushort*)markSemaphore;
            if (NativeLibrary.TryGetExport(handle, "probes_phase_context", out IntPtr context)
                && NativeLibrary.TryGetExport(handle, "probes_phase_context_semaphore", out IntPtr contextSemaphore))
            {
                PhaseContext = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ulong, ulong, ulong, ulong, void>)context;
                PhaseContextSemaphore = (ushort*)contextSemaphore;
            }
            LoadedPath = path;
            if (*PhaseBeginSemaphore != 0)
            {
                // A tracer attached before this process loaded us (`probes phases --image`,
                // a container started after the attach): prepare now, outside every phase.
                Probe.CompileEnabledPath();
            }
        }
#pragma warning disable CA1031 // a tracing library must never take its host down
        catch (Exception e)
#pragma warning restore CA1031
        {
            PhaseBeginSemaphore = PhaseEndSemaphore = MarkSemaphore = PhaseContextSemaphore = NeverEnabled;
            LoadError = e.Message;
        }
    }

    /// <summary>Forces the static constructor to run (idempotent).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool IsLoaded() => LoadedPath is not null;

    private static bool TryLoad(out IntPtr handle, out string? path, out string? error)
    {
        handle = IntPtr.Zero;
        path = null;
        if (!OperatingSystem.IsLinux())
        {
            error = "probes need Linux";
            return false;
        }

        string? explicitPath = Environment.GetEnvironmentVariable(LibraryPathVariable);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            path = explicitPath;
            error = NativeLibrary.TryLoad(explicitPath, out handle) ? null : $"{LibraryPathVariable}={explicitPath} could not be loaded";
            return error is null;
        }

        foreach (string candidate in Candidates())
        {
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out handle))
            {
                path = candidate;
                error = null;
                return true;
            }
        }

        // Last, the runtime's own probing: deps.json native assets of a NuGet reference.
        Assembly self = typeof(NativeShim).Assembly;
        if (NativeLibrary.TryLoad(LibraryFileName, self, DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out handle))
        {
            path = LibraryFileName;
            error = null;
            return true;
        }

        error = $"{LibraryFileName} was not found next to the application";
        return false;
    }

    private static IEnumerable<string> Candidates()
    {
        string rid = "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string relative = Path.Combine("runtimes", rid, "native", LibraryFileName);
#pragma warning disable IL3000 // empty in a single-file app; AppContext.BaseDirectory covers that case
        string? assemblyDirectory = Path.GetDirectoryName(typeof(NativeShim).Assembly.Location);
#pragma warning restore IL3000
        foreach (string? directory in new[] { AppContext.BaseDirectory, assemblyDirectory })
        {
            if (!string.IsNullOrEmpty(directory))
            {
                yield return Path.Combine(directory, relative);
                yield return Path.Combine(directory, LibraryFileName);
            }
        }
    }
}
