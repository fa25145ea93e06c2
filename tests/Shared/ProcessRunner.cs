using System.Diagnostics;
using System.Text;

namespace Probes.Testing;

/// <summary>The outcome of a finished child process.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr)
{
    public ProcessResult EnsureSuccess(string what)
    {
        if (ExitCode != 0)
        {
            Assert.Fail($"{what} exited {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        return this;
    }
}

/// <summary>Runs child processes with a hard time limit, so no test can hang the suite.</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using Process process = Start(file, args, environment, workingDirectory);
        return Collect(process, $"{file} {string.Join(' ', args)}", timeout);
    }

    /// <summary>Reads a started process's output to the end and waits for it, killing it at <paramref name="timeout"/>.</summary>
    public static ProcessResult Collect(Process process, string description, TimeSpan timeout)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{description} did not finish within {timeout}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        process.WaitForExit(); // flushes the asynchronous readers
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Starts a process with redirected output; the caller owns and must dispose it.</summary>
    public static Process Start(string file, IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                info.Environment[key] = value;
            }
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
    }
}
