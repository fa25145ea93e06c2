using System.Runtime.InteropServices;
using Probes;

namespace Scenarios.Misuse;

/// <summary>Every way to misuse [ProbePhase] that the weaver must refuse with a build error.</summary>
public abstract class MisusedPhases
{
    [ProbePhase]
    public abstract void Abstract();

    [ProbePhase("")]
    public void EmptyName()
    {
    }

    [ProbePhase]
    public static IEnumerable<int> Iterator()
    {
        yield return 1;
    }

    [ProbePhase]
    public static async IAsyncEnumerable<int> AsyncIterator()
    {
        await Task.Yield();
        yield return 1;
    }

#pragma warning disable SYSLIB1054 // an extern method is exactly what this scenario needs
    [ProbePhase]
    [DllImport("libc", EntryPoint = "getpid")]
    internal static extern int Extern();
#pragma warning restore SYSLIB1054

    // Not misuse: the other methods must still be woven.
    [ProbePhase]
    public static int Fine() => 1;
}
