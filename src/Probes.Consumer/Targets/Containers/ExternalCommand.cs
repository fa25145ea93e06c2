using System.Diagnostics;

namespace Probes.Consumer.Targets.Containers;

/// <summary>Runs a helper tool (podman) with a hard time limit, so a stuck runtime cannot hang the CLI.</summary>
internal static class ExternalCommand
{
    public static (int ExitCode, string Stdout)? Run(string file, IReadOnlyList<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using Process? process = Start(info);
        if (process is null)
        {
            return null;
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync(); // drained so the child never blocks on a full pipe
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return null;
        }
        Task.WaitAll(stdout, stderr);
        return (process.ExitCode, stdout.Result);
    }

    private static Process? Start(ProcessStartInfo info)
    {
        try
        {
            return Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed or not executable: the caller falls back
        }
    }
}
