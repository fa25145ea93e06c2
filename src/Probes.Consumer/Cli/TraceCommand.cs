using System.CommandLine;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Output;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes trace FILE | --pid PID | --container NAME_OR_ID... [--probe P]... [--str N]...</c>:
/// switches USDT probes on with our own eBPF programs and prints each hit as it happens
/// (<see cref="TraceEventWriter"/>); the run itself is the tracing layer's (<see cref="TraceRun"/>).
/// </summary>
public static class TraceCommand
{
    /// <summary>How long one read of the ring waits: the longest a closed stdout goes unnoticed when no event comes.</summary>
    private const int PollMilliseconds = 50;

    public static Command Create(CliConsole console)
    {
        TracingOptions tracing = TracingOptions.Create(imageAndAll: false);
        var probe = new Option<string[]>("--probe", "-P")
        {
            Description = "PROVIDER:NAME of a probe to trace (repeatable; * and ? are wildcards). Default: every 'probes:*' probe.",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = ParseSelectors,
        };
        var strings = new Option<int[]>("--str", "-s")
        {
            Description = "Read argument N (0-based) as a NUL-terminated string (repeatable). Phase and mark names of 'probes:*' are always strings.",
            CustomParser = result => CommonOptions.ParseArgumentNumbers(result, "--str"),
        };

        var command = new Command("trace", "Trace USDT probes live in a file's users, a process or containers.");
        tracing.AddTo(command);
        command.Options.Add(probe);
        command.Options.Add(strings);
        command.SetAction(parse => (int)Execute(
            console,
            tracing.Request(parse),
            (parse.GetValue(probe) ?? []).Select(ProbePattern.Parse).ToList(),
            parse.GetValue(strings) ?? [],
            tracing.DurationOf(parse),
            tracing.RunOptions(parse, PollMilliseconds),
            parse.GetValue(CommonOptions.Json),
            parse.GetValue(CommonOptions.Verbose)));
        return command;
    }

    /// <summary>Each selector checked while parsing, so a malformed one is a usage error like any other bad option value.</summary>
    private static string[] ParseSelectors(System.CommandLine.Parsing.ArgumentResult result)
    {
        string[] selectors = result.Tokens.Select(token => token.Value).ToArray();
        foreach (string selector in selectors)
        {
            try
            {
                ProbePattern.Parse(selector);
            }
            catch (UsdtSpecException e)
            {
                result.AddError($"--probe {e.Message}");
                return [];
            }
        }
        return selectors;
    }

    private static ExitCode Execute(CliConsole console, TargetRequest request, List<ProbePattern> patterns, int[] strings, TimeSpan? duration, TraceRunOptions options, bool json, bool verbose)
    {
        var privileges = PrivilegeCheck.Current();
        privileges.Demand("probes trace", tracing: true, privileges.ReasonFor(request));

        var diagnostics = new ConsoleDiagnostics(console, verbose);
        TraceTarget target = new TargetResolver(diagnostics).Resolve(request);
        // The plan holds the pinned files the uprobes are opened through; it closes them at the end.
        using TracePlan plan = TracePlan.Build(target.Probes, patterns, strings, target.Pid, target.Description);
        if (plan.SkippedSummary is { } skipped)
        {
            console.WriteWarning(skipped);
        }

        using var stop = new TraceStop(duration);
        using var signals = new ShutdownSignal(stop);
        using TraceRun run = TraceRun.Create(target, stop, diagnostics, options);
        run.Add(plan);
        run.Start();
        console.WriteNote($"attached {plan.Probes.Count} probe(s) at {plan.SiteCount} site(s) in {plan.FileCount} file(s) of {target.Description}; Ctrl-C to stop");

        var lines = new EventLines(new TraceEventWriter(console.OutStream(), json, new MonotonicClock()), console, stop);
        string? writeFailure = null;
        try
        {
            run.Run(lines);
        }
        catch (IOException e)
        {
            // The reader went away (`| head`): stop like bpftrace does, detach, still report.
            // Anything else (a full disk behind `>`) is a failure to deliver what was asked.
            writeFailure = console.OutputClosed ? null : e.Message;
            stop.Stop(writeFailure is null ? "output closed" : "output failed");
        }

        console.WriteNote($"{run.Events} events, {run.Lost} lost{(run.Ignored > 0 ? $", {run.Ignored} from other processes mapping the same file not shown" : "")}{(run.StopReason is { } why ? $" ({why})" : "")}");
        if (writeFailure is not null)
        {
            console.WriteError($"cannot write events to stdout: {writeFailure}");
            return ExitCode.OutputFailed;
        }
        return ExitCode.Success;
    }

    /// <summary>Each event as one line on stdout, flushed once per read of the ring; a reader that left stops the run.</summary>
    private sealed class EventLines(TraceEventWriter writer, CliConsole console, TraceStop stop) : ITraceConsumer
    {
        public void OnEvent(UsdtRecord record, TracedProbe probe, ContainerRef? container) => writer.Write(record, probe, container);

        public void AfterPoll(int events)
        {
            if (events > 0)
            {
                writer.Flush();
            }
            if (!stop.Token.IsCancellationRequested && console.OutputClosed)
            {
                stop.Stop("output closed"); // even when no event came to fail a write
            }
        }
    }
}
