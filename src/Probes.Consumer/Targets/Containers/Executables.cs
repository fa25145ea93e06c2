namespace Probes.Consumer.Targets.Containers;

/// <summary>Finds external tools (podman): on PATH first, then where Debian installs them, since a root shell's PATH may be minimal.</summary>
public static class Executables
{
    private static readonly string[] Fallbacks = ["/usr/bin", "/usr/local/bin", "/bin"];

    public static string? Find(string name)
    {
        IEnumerable<string> path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(Fallbacks).Select(directory => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }
}
