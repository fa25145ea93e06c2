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

/// <summary>Runs a child process to its end with a hard time limit, so no test can hang the suite.</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string file, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        using var process = new LiveProcess(file, args, environment, workingDirectory);
        process.WaitForExit(timeout);
        return process.Result;
    }
}
