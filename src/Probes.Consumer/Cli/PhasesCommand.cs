using System.CommandLine;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Uprobes;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Processes;
using Probes.Consumer.Usdt;
using Spectre.Console;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes phases</c>: per phase and per container, how many times it ran and how long it took
/// (count, total, min, p50, p90, p99, max, faulted, canceled), live while it runs and as a final
/// report (table, JSON or a Chrome trace timeline).
/// </summary>
public static class PhasesCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string?>("file")
        {
            Description = "A libprobes.so (or any file with probes:phase_* probes): every process mapping it.",
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "FILE"),
        };
        var pid = new Option<int?>("--pid", "-p") { Description = "Only this process (host pid).", CustomParser = TargetOptions.ParsePid };
        var containers = new Option<string[]>("--container", "-c")
        {
            Description = "Only this container: a podman name, full id or id prefix (repeatable).",
            CustomParser = result => CommonOptions.ParseNonEmptyValues(result, "--container"),
        };
        var all = new Option<bool>("--all") { Description = "Every process on the host that maps libprobes.so now, in or out of containers." };
        var image = new Option<string?>("--image")
        {
            Description = "Every container of this podman image, including containers started later.",
            CustomParser = result => CommonOptions.ParseNonEmpty(result, "--image"),
        };
        Option<TimeSpan?> duration = CommonOptions.Duration();
        var format = new Option<string>("--format", "-f")
        {
            Description = "Final report: table, json or chrome (Chrome trace event JSON; opens in Perfetto).",
            DefaultValueFactory = _ => "table",
            CustomParser = ParseFormat,
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write the final report to this file instead of stdout (checked before anything is attached).",
            CustomParser = ReportOutput.ParsePath,
        };
        Option<int?> ringSize = CommonOptions.RingSize("Ring buffer size in bytes (a power of two from 4096 to 1 GiB; default 8 MiB).");

        var command = new Command("phases", "How long each phase takes, per container: live table and final report.")
        {
            file, pid, containers, all, image, duration, format, output, ringSize,
        };
        command.Validators.Add(result =>
        {
            int targets = (result.GetResult(file)?.Tokens.Count > 0 ? 1 : 0) + (result.GetResult(pid) is { } ? 1 : 0)
                + (result.GetResult(containers)?.Tokens.Count > 0 ? 1 : 0) + (result.GetValue(all) ? 1 : 0) + (result.GetResult(image) is { } ? 1 : 0);
            if (targets != 1)
            {
                result.AddError("give exactly one target: FILE, --pid PID, --container NAME (repeatable), --image NAME or --all");
            }
        });
        command.SetAction(parse =>
        {
            var directory = new ContainerDirectory();
            bool verbose = parse.GetValue(CommonOptions.Verbose);
            int? processId = parse.GetValue(pid);
            string[] containerNames = parse.GetValue(containers) ?? [];
            bool everyProcess = parse.GetValue(all);
            var privileges = PrivilegeCheck.Current();
            privileges.Demand("probes phases", tracing: true,
                processId is int reading ? privileges.ProcessReason(reading)
                : containerNames.Length > 0 ? privileges.ContainerReason(containerNames)
                : everyProcess ? privileges.EveryProcessReason()
                : null);
            // Who the pid is before its maps are read, so a process replaced before the attach is noticed.
            ProcessIdentity? identity = processId is int traced ? ProcessWatch.Capture(traced) : null;
            PhaseTargets targets = PhaseTargets.Resolve(parse.GetValue(file), processId, containerNames,
                everyProcess, parse.GetValue(image), console, verbose, directory);
            string chosen = parse.GetValue(CommonOptions.Json) ? "json" : parse.GetValue(format) ?? "table";
            // Opened before anything is attached: a report that cannot be written is known now, not after the capture.
            using ReportOutput? report = parse.GetValue(output) is { } path ? ReportOutput.Open(path) : null;
            return (int)Execute(console, targets, identity, directory, chosen, report, parse.GetValue(duration),
                parse.GetValue(ringSize) ?? TraceCommand.DefaultRingBytes, verbose);
        });
        return command;
    }

    private static readonly string[] Formats = ["table", "json", "chrome"];

    private static string ParseFormat(System.CommandLine.Parsing.ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!Formats.Contains(text, StringComparer.Ordinal))
        {
            result.AddError($"--format must be table, json or chrome, not '{text}'");
        }
        return text;
    }

    private static ExitCode Execute(CliConsole console, PhaseTargets targets, ProcessIdentity? identity, ContainerDirectory directory, string format, ReportOutput? output,
        TimeSpan? duration, int ringSize, bool verbose)
    {
        // The plan holds the pinned files the uprobes are opened through; it closes them at the end.
        using TracePlan plan = TracePlan.Build(targets.Probes, [ProbePattern.Parse("probes:phase_begin"), ProbePattern.Parse("probes:phase_end")], [], targets.Pid, targets.Description);
        var decoder = new PhaseEventDecoder(plan.Probes.Where(p => p.Name == "phase_begin").Select(p => p.Id).ToHashSet());
        var collector = new PhaseCollector(keepTimeline: format == "chrome");
        // Which container each file serves, read while they all still run.
        PhaseFileOwners? owners = targets.ContainerIds is { } traced ? PhaseFileOwners.Find(targets.Probes, traced) : null;

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
        ContainerRemovals? removals = targets.ContainerIds is { } ids && owners is not null
            ? new ContainerRemovals(new ContainerWatch(ids), id => directory.Names.TryGetValue(id, out string? name) ? name : id[..12],
                gone => uprobe => owners.ServesOnly(uprobe.Path, gone), session.Detach, shutdown, console, verbose)
            : null;
        removals?.AfterAttach();
        shutdown.StartDuration();
        console.WriteNote($"attached to {plan.FileCount} file(s) for {targets.Description}; Ctrl-C for the report");
        using ProcessWatch? watch = identity is not null ? ProcessWatch.Start(identity, shutdown.Stop) : null;

        long filtered = 0;
        void OnRecord(UsdtRecord record)
        {
            ContainerRef? container = record.HasNamespaces ? directory.Of(record.Pid, record.PidNamespaceInode, record.MountNamespaceInode) : directory.Of(record.Pid);
            if (targets.ContainerIds is { } only && (container is null || !only.Contains(container.Id)))
            {
                filtered++;
                return;
            }
            int eventPid = record.Pid;
            string comm = record.Comm;
            collector.Add(decoder.Decode(record, container?.Id ?? ""), () => container is null ? $"{comm} (pid {eventPid})" : $"{comm} (pid {eventPid}, {container.DisplayName})");
        }
        PhaseReport Snapshot() => collector.Report((long)session.LostCount, directory.Names);

        bool live = format == "table" && output is null && console.RawOut is not null && !Console.IsOutputRedirected;
        if (live)
        {
            AnsiConsole.Live(TableReportWriter.Render(Snapshot())).Start(context =>
            {
                var refresh = System.Diagnostics.Stopwatch.StartNew();
                while (!shutdown.Token.IsCancellationRequested)
                {
                    session.Poll(OnRecord, timeoutMilliseconds: 100);
                    removals?.Poll();
                    if (refresh.ElapsedMilliseconds >= 1000)
                    {
                        context.UpdateTarget(TableReportWriter.Render(Snapshot()));
                        refresh.Restart();
                    }
                }
                session.Drain(OnRecord);
                context.UpdateTarget(TableReportWriter.Render(Snapshot()));
            });
        }
        else
        {
            while (!shutdown.Token.IsCancellationRequested)
            {
                session.Poll(OnRecord, timeoutMilliseconds: 100);
                removals?.Poll();
                if (output is null && console.OutputClosed)
                {
                    shutdown.Stop("output closed"); // nobody is left to read the report
                }
            }
            session.Drain(OnRecord);
        }

        PhaseReport report = Snapshot();
        (ExitCode code, string? unwritten) = WriteReport(console, format, output, report, collector, live);
        if (unwritten is not null && shutdown.Reason is null)
        {
            shutdown.Stop(console.OutputClosed ? "output closed" : "output failed"); // the reason, when it came only after the capture
        }
        console.WriteNote($"{report.Rows.Sum(r => r.Count)} phases completed, {report.Lost} events lost, {report.Unfinished.Count} unfinished, "
            + $"{report.EndsWithoutBegin} ended without a seen begin{(filtered > 0 ? $", {filtered} events of other containers ignored" : "")}"
            + $"{(collector.TimelineDropped > 0 ? $", {collector.TimelineDropped} phases not kept in the timeline (limit {PhaseCollector.DefaultMaxTimelinePhases})" : "")}"
            + $"{(report.DroppedBegins > 0 ? $", {report.DroppedBegins} begins dropped (open-phase limit {PhasePairing.DefaultMaxOpenPerProcess} per process, {PhasePairing.DefaultMaxOpenTotal} in all)" : "")}"
            + $"{(report.NotTabulated > 0 ? $", {report.NotTabulated} phases not tabulated (limit {PhaseStatistics.DefaultMaxRows} rows)" : "")}"
            + $"{(unwritten is not null ? $", {unwritten}" : "")}"
            + $"{(shutdown.Reason is { } why ? $" ({why})" : "")}");
        return code;
    }

    /// <summary>
    /// Writes the report where it was asked for. A -o file that fails at the end (a full disk,
    /// /dev/full) does not lose the capture: the report goes to stdout, and the exit code says
    /// it did not reach the file. A stdout whose reader has gone gets nothing, and that is no failure.
    /// </summary>
    /// <returns>The exit code, and what was not written (for the summary line) or null.</returns>
    private static (ExitCode Code, string? Unwritten) WriteReport(CliConsole console, string format, ReportOutput? output, PhaseReport report, PhaseCollector collector, bool liveShownAlready)
    {
        byte[] rendered = Render(format, report, collector, liveShownAlready);
        ExitCode code = ExitCode.Success;
        if (output is not null)
        {
            try
            {
                output.Write(rendered);
                return (code, null);
            }
            catch (IOException e)
            {
                console.WriteError($"cannot write the report to {output.Path}: {ReportOutput.Reason(e, output.Path)}; writing it to stdout instead");
                code = ExitCode.OutputFailed;
            }
        }
        if (rendered.Length == 0)
        {
            return (code, null);
        }
        try
        {
            using Stream stdout = console.OutStream();
            stdout.Write(rendered);
            stdout.Flush();
        }
        catch (IOException e)
        {
            if (console.OutputClosed)
            {
                return (code, "report not written");
            }
            console.WriteError($"cannot write the report to stdout: {e.Message}");
            return (ExitCode.OutputFailed, "report not written");
        }
        return (code, null);
    }

    private static byte[] Render(string format, PhaseReport report, PhaseCollector collector, bool liveShownAlready)
    {
        using var stream = new MemoryStream();
        switch (format)
        {
            case "json":
                JsonReportWriter.Write(report, stream);
                break;
            case "chrome":
                ChromeTraceWriter.Write(collector.Timeline, report.Unfinished, (ulong)MonotonicClock.MonotonicNanoseconds(),
                    pid => collector.Processes.TryGetValue(pid, out string? label) ? label : $"pid {pid}", stream);
                break;
            default:
                if (!liveShownAlready)
                {
                    using var writer = new StreamWriter(stream, leaveOpen: true);
                    IAnsiConsole table = AnsiConsole.Create(new AnsiConsoleSettings
                    {
                        Out = new AnsiConsoleOutput(writer),
                        ColorSystem = ColorSystemSupport.NoColors,
                        Interactive = InteractionSupport.No,
                    });
                    table.Profile.Width = 160;
                    TableReportWriter.Write(report, table);
                }
                break;
        }
        return stream.ToArray();
    }
}
