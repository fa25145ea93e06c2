using System.Text;

namespace Probes.Weaver;

/// <summary>
/// Probes.PhaseId re-implemented here, because the weaver must not load the SDK (it targets
/// a newer framework than Fody's host may run). Pinned to the SDK's vectors by a test.
/// </summary>
internal static class Fnv1a
{
    public static uint Hash(string name)
    {
        uint hash = 2166136261;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            hash = unchecked((hash ^ b) * 16777619);
        }
        return hash;
    }
}
