using System.Runtime.InteropServices;
using Probes.Consumer.Tracing.Run;

namespace Probes.Consumer.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM stop a trace run (<see cref="TraceStop"/>) instead of killing the
/// process, so a traced session always detaches and prints its counts on the way out; SIGKILL
/// needs no handler because the kernel closes our descriptors.
/// </summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public ShutdownSignal(TraceStop stop)
    {
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // we exit by ourselves, after detaching
            stop.Stop(context.Signal == PosixSignal.SIGINT ? "interrupted" : "terminated");
        }
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
    }
}
