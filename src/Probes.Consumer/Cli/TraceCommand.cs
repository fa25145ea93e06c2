using System.CommandLine;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes trace FILE | --pid PID | --container NAME_OR_ID [--probe P]... [--str N]...</c>:
/// switches USDT probes on with our own eBPF programs and prints each hit as it happens.
/// </summary>
public static class TraceCommand
{
    public const int DefaultRingBytes = 8 << 20;

    public static Command Create(CliConsole console)
    {
        TargetOptions target = TargetOptions.Create("Trace");
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
        Option<TimeSpan?> duration = CommonOptions.Duration();
        Option<int?> ringSize = CommonOptions.RingSize(
            $"Ring buffer size in bytes, a power of two from 4096 to 1 GiB (default {DefaultRingBytes >> 20} MiB). Events that do not fit are counted as lost.");

        var command = new Command("trace", "Trace USDT probes live in a file's users, a process or a container.")
        {
            target.File, target.Pid, target.Container, probe, strings, duration, ringSize,
        };
        target.AddValidator(command);
        command.SetAction(parse => (int)Execute(
            console,
            target.Resolve(parse),
            (parse.GetValue(probe) ?? []).Select(ProbePattern.Parse).ToList(),
            parse.GetValue(strings) ?? [],
            parse.GetValue(duration),
            parse.GetValue(ringSize) ?? DefaultRingBytes,
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

    private static ExitCode Execute(CliConsole console, TraceTarget target, List<ProbePattern> patterns, int[] strings, TimeSpan? duration, int ringSize, bool json, bool verbose)
    {
        var privileges = PrivilegeCheck.Current();
        privileges.Demand("probes trace", tracing: true,
            target.Pid is int reading ? privileges.ProcessReason(reading) : target.ContainerName is { } name ? privileges.ContainerReason([name]) : null);
        // Who the pid is before its maps are read, so a process replaced before the attach is noticed.
        ProcessIdentity? identity = target.Pid is int traced ? ProcessWatch.Capture(traced) : null;

        var containers = new ContainerDirectory();
        IReadOnlyList<ListedProbe> found = target.FindProbes(console, verbose, containers);
        // The plan holds the pinned files the uprobes are opened through; it closes them at the end.
        using TracePlan plan = TracePlan.Build(found, patterns, strings, target.Pid, target.Description);
        if (plan.SkippedSummary is { } skipped)
        {
            console.WriteWarning(skipped);
        }

        using var shutdown = new ShutdownSignal(duration);
        using UsdtSession session = UsdtSession.Create(new UsdtSessionOptions { RingBufferBytes = ringSize });
        foreach ((UsdtProgramSpec spec, UprobeTarget uprobe) in plan.Sites())
        {
            session.AddSite(spec, [uprobe]);
        }
        AttachGuard.Start(session, identity);
        if (verbose)
        {
            console.WriteNote($"attach: {session.AttachSummary}{(session.AttachFallbackReason is { } fallback ? $"; {fallback}" : "")}");
        }
        ContainerRemovals? removals = target.Container is { } container
            ? new ContainerRemovals(new ContainerWatch([container.Id]), _ => container.Name ?? container.Id[..12], _ => _ => false, session.Detach, shutdown, console, verbose)
            : null;
        removals?.AfterAttach();
        shutdown.StartDuration();
        console.WriteNote($"attached {plan.Probes.Count} probe(s) at {plan.SiteCount} site(s) in {plan.FileCount} file(s) of {target.Description}; Ctrl-C to stop");

        var writer = new TraceEventWriter(console.OutStream(), json, new MonotonicClock());
        using ProcessWatch? watch = identity is not null ? ProcessWatch.Start(identity, shutdown.Stop) : null;
        long filtered = 0;
        void OnRecord(UsdtRecord record)
        {
            ContainerRef? container = record.HasNamespaces ? containers.Of(record.Pid, record.PidNamespaceInode, record.MountNamespaceInode) : containers.Of(record.Pid);
            if (target.Container is { } only && container?.Id != only.Id)
            {
                filtered++; // same file, another container (or the host): not what was asked for
                return;
            }
            writer.Write(record, plan.Probes[(int)record.ProbeId], container);
        }

        string? writeFailure = null;
        try
        {
            while (!shutdown.Token.IsCancellationRequested)
            {
                if (session.Poll(OnRecord, timeoutMilliseconds: 50) > 0)
                {
                    writer.Flush();
                }
                removals?.Poll();
                if (console.OutputClosed)
                {
                    shutdown.Stop("output closed"); // even when no event came to fail a write
                }
            }
            session.Drain(OnRecord);
            writer.Flush();
        }
        catch (IOException e)
        {
            // The reader went away (`| head`): stop like bpftrace does, detach, still report.
            // Anything else (a full disk behind `>`) is a failure to deliver what was asked.
            writeFailure = console.OutputClosed ? null : e.Message;
            shutdown.Stop(writeFailure is null ? "output closed" : "output failed");
        }

        long shown = session.EventsReceived - filtered;
        console.WriteNote($"{shown} events, {session.LostCount} lost{(filtered > 0 ? $", {filtered} from other processes mapping the same file not shown" : "")}{(shutdown.Reason is { } why ? $" ({why})" : "")}");
        if (writeFailure is not null)
        {
            console.WriteError($"cannot write events to stdout: {writeFailure}");
            return ExitCode.OutputFailed;
        }
        return ExitCode.Success;
    }
}
