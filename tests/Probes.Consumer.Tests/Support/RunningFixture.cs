using System.Diagnostics;

namespace Probes.Consumer.Tests.Support;

/// <summary>A fixture started with "wait": it has printed "ready" and keeps running until disposed.</summary>
public sealed class RunningFixture : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private readonly Process _process;

    public RunningFixture(string path, IDictionary<string, string>? environment = null)
    {
        _process = ProcessRunner.Start(path, ["wait"], environment);
        Task<string?> firstLine = _process.StandardOutput.ReadLineAsync();
        if (!firstLine.Wait(StartLimit) || firstLine.Result != "ready")
        {
            Dispose();
            Assert.Fail($"{path} did not print 'ready' within {StartLimit}: {_process.StandardError.ReadToEnd()}");
        }
    }

    public int Pid => _process.Id;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
