using System.Globalization;

namespace Probes.Consumer.Targets.Processes;

/// <summary>The parent pid of a process, from the <c>PPid:</c> line of <c>/proc/PID/status</c>.</summary>
public static class ProcessParent
{
    public static int? Of(string procRoot, int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("PPid:", StringComparison.Ordinal))
                {
                    return int.TryParse(line.AsSpan("PPid:".Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int parent) ? parent : null;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Exited meanwhile: it cannot be the init process any more.
        }
        return null;
    }
}
