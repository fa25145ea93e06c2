using System.CommandLine;
using System.CommandLine.Parsing;
using Spectre.Console.Rendering;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Programs;
using Probes.Consumer.Export.Otlp;
using Probes.Consumer.Output.Reports;
using Probes.Consumer.Phases;
using Probes.Consumer.Targets;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Resolution;
using Probes.Consumer.Tracing.Run;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes phases</c>: per phase and per container, how many times it ran and how long it took
/// (count, total, min, p50, p90, p99, max, faulted, canceled), live while it runs and as a final
/// report (table, JSON or a Chrome trace timeline). The run is the tracing layer's
/// (<see cref="TraceRun"/> with <see cref="PhaseEvents"/>); this is its options and its output.
/// </summary>
public static class PhasesCommand
{
    /// <summary>How long one read of the ring waits: the longest the loop's other work (removals, the live table, a closed stdout) waits.</summary>
    private const int PollMilliseconds = 100;

    private static readonly string[] Formats = ["table", "json", "chrome", "tree", "tree-json"];

    /// <summary>The reports that need every instance (per-event mode): the timeline and the trees, which follow parent links.</summary>
    private static bool KeepsInstances(string format) => format is "chrome" or "tree" or "tree-json";

    public static Command Create(CliConsole console)
    {
        TracingOptions tracing = TracingOptions.Create(imageAndAll: true);
        var format = new Option<string>("--format", "-f")
        {
            Description = "Final report: table, json, chrome (Chrome trace event JSON; opens in Perfetto), tree (phases nested by their parents, with self time) "
                + "or tree-json (the tree as one nested JSON document). --json is --format json.",
            DefaultValueFactory = _ => "table",
            CustomParser = ParseFormat,
        };
        var output = new Option<string?>("--output", "-o")
        {
            Description = "Write the final report to this file instead of stdout (checked before anything is attached).",
            CustomParser = ReportOutput.ParsePath,
        };

        var perEvent = new Option<bool>("--per-event")
        {
            Description = "Send every phase begin and end to user space and pair them there (the mode before in-kernel pairing; --format chrome always does).",
        };

        var slow = new Option<ulong?>("--slow", "--min-duration")
        {
            Description = "List the phase instances that took at least this long (250us, 10ms, 1.5s; a unit is required), slowest first: "
                + "container, pid, thread, span, parents, status, duration and when it began. Table and json reports.",
            CustomParser = DurationThreshold.Parse,
        };

        Option<string?> otlpEndpoint = CommonOptions.OtlpEndpoint("every phase as a span, inside the application's own trace when it ran in a W3C activity, and the duration histograms.");
        Option<string?> otlpProtocol = CommonOptions.OtlpProtocol();
        // Report selection (issue 18): which phases, and the tree's options.
        var phaseGlobs = new Option<string[]>("--phase")
        {
            Description = "Only phases whose name matches this glob (* and ?; repeatable). A tree keeps the parents on the way to them. Marks are always shown.",
            CustomParser = result => CommonOptions.ParseNonEmptyValues(result, "--phase"),
        };
        var interval = new Option<ulong?>("--interval")
        {
            Description = "Every so long (10s, 500ms; at least 100ms) a window: a table on a terminal, one JSON line when piped or with --format json; "
                + "counts, rates per second and percentiles of the window next to those since the attach.",
            CustomParser = DurationThreshold.Parse,
        };
        // Start and trace, or wait for a process (issue 18).
        var commandLine = new Argument<string[]>("command")
        {
            Description = "After --: a command to start with the tracer attached before it runs (probes phases -- dotnet app.dll); its exit code is passed through.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var wait = new Option<bool>("--wait")
        {
            Description = "With --pid: wait until the process maps libprobes.so (it loads it at its first probe), then attach.",
        };
        var mergeContainers = new Option<bool>("--merge-containers")
        {
            Description = "With --format tree or tree-json: one tree for every container (the replicas of an --image) instead of one per container.",
        };

        var command = new Command("phases", "How long each phase takes, per container: live table and final report.");
        tracing.AddTo(command);
        command.Options.Add(format);
        command.Options.Add(output);
        command.Options.Add(perEvent);
        command.Options.Add(slow);
        command.Options.Add(otlpEndpoint);
        command.Options.Add(otlpProtocol);
        command.Options.Add(phaseGlobs);
        command.Options.Add(mergeContainers);
        command.Options.Add(interval);
        command.Options.Add(wait);
        command.Arguments.Add(commandLine);
        command.Validators.Add(result =>
        {
            if (FormatConflict(result, format) is { } conflict)
            {
                result.AddError(conflict);
            }
            // By the tokens: reading a value whose parser failed throws, and that error is reported already.
            else if (result.GetResult(slow) is not null && !result.GetValue(CommonOptions.Json) && result.GetResult(format) is { Tokens: [{ Value: var kept }] } && KeepsInstances(kept))
            {
                result.AddError($"--slow lists slow phases in the table and json reports, not in --format {kept}");
            }
            else if (result.GetResult(interval) is { Tokens.Count: 1 } given && DurationThreshold.TryParse(given.Tokens[0].Value, out ulong every)
                && (every < MinIntervalNanoseconds || result.GetResult(format) is { Tokens: [{ Value: not ("table" or "json") }] }))
            {
                result.AddError(every < MinIntervalNanoseconds ? "--interval must be at least 100ms" : "--interval writes windows of the table or json report, not of chrome or tree");
            }
            else if (result.GetValue(wait) && result.GetResult(tracing.Target.Pid) is null)
            {
                result.AddError("--wait waits for the process of --pid");
            }
            else if (result.GetValue(mergeContainers) && (result.GetValue(CommonOptions.Json) || result.GetResult(format) is not { Tokens: [{ Value: "tree" or "tree-json" }] }))
            {
                result.AddError("--merge-containers merges the trees of --format tree or tree-json");
            }
        });
        command.SetAction(parse =>
        {
            bool verbose = parse.GetValue(CommonOptions.Verbose);
            // Checked before anything is attached: a malformed endpoint is a usage error, not a late surprise.
            OtlpSettings? otlp = parse.GetValue(otlpEndpoint) is { } endpoint || parse.GetValue(otlpProtocol) is not null
                ? OtlpSettings.Resolve(parse.GetValue(otlpEndpoint) ?? throw new UsageException("--otlp-protocol needs --otlp-endpoint"), parse.GetValue(otlpProtocol), Environment.GetEnvironmentVariable)
                : null;
            TargetRequest request = tracing.Request(parse);
            string[]? toRun = AfterDashes(parse);
            if (toRun is { Length: 0 })
            {
                throw new UsageException("give the command to start after --");
            }
            if (toRun is null && parse.GetResult(commandLine) is { Tokens: [Token extra, ..] })
            {
                throw new UsageException($"unexpected argument '{extra.Value}'; a command to trace goes after --");
            }
            if (toRun is not null)
            {
                // The shim the command will load: attached by file before it starts, events kept for its pid only.
                string? given = FileBeforeDashes(parse, tracing.Target.File);
                request = new TargetRequest { File = CommandShim.Find(toRun, given, Environment.GetEnvironmentVariable("PROBES_LIBRARY")) };
            }
            var privileges = PrivilegeCheck.Current();
            privileges.Demand("probes phases", tracing: true, privileges.ReasonFor(request));
            if (parse.GetValue(wait) && request.Pid is int waitFor)
            {
                if (!WaitForShim(console, waitFor))
                {
                    return (int)ExitCode.Success; // interrupted while waiting: nothing was attached
                }
            }
            TraceTarget target = new TargetResolver(new ConsoleDiagnostics(console, verbose)).Resolve(request, ProbeRequirement.Phases);
            CommandLaunch? launch = null;
            if (toRun is not null)
            {
                launch = new CommandLaunch(toRun, request.File!);
                target = new TraceTarget(target.Probes, $"command '{toRun[0]}'", target.Directory, pids: launch.Pids);
            }
            string chosen = parse.GetValue(CommonOptions.Json) ? "json" : parse.GetValue(format) ?? "table";
            // Opened before anything is attached: a report that cannot be written is known now, not after the capture.
            using ReportOutput? report = parse.GetValue(output) is { } path ? ReportOutput.Open(path) : null;
            // A timeline needs every instance; everything else is counted in the kernel unless asked otherwise.
            bool inKernel = !parse.GetValue(perEvent) && !KeepsInstances(chosen);
            TraceRunOptions options = tracing.RunOptions(parse, PollMilliseconds);
            ulong? threshold = parse.GetValue(slow);
            if (inKernel)
            {
                // The program sends every end at or over the threshold; the rest are only counted.
                // OTLP export makes every phase a span: every begin and end comes up (the maps still count them).
                options = options with { KernelPairing = new KernelPairingOptions { SlowThresholdNanoseconds = threshold ?? 0, SendEveryEvent = otlp is not null } };
            }
            var clock = new MonotonicClock();
            var selection = new PhaseSelection(parse.GetValue(phaseGlobs) ?? []);
            SlowPhases? slowPhases = threshold is { } nanoseconds ? new SlowPhases(nanoseconds, clock.ToWallClock, selects: selection.SelectsAll ? null : selection.Selects) : null;
            return (int)Execute(console, target, chosen, report, tracing.DurationOf(parse), options, slowPhases, verbose, new ReportChoices(parse.GetValue(mergeContainers), selection, parse.GetValue(interval) is { } ns ? TimeSpan.FromTicks((long)(ns / 100)) : null, launch,
                Image: request.Image is { } image && image.IndexOfAny(['*', '?']) < 0 ? image : null), otlp);
        });
        return command;
    }

    /// <summary>
    /// <c>--pid P --wait</c>: polls until the process maps libprobes.so. False when interrupted
    /// (Ctrl-C, SIGTERM) while waiting; a process that exits first is not found (exit 3).
    /// </summary>
    private static bool WaitForShim(CliConsole console, int pid)
    {
        using var stop = new TraceStop();
        using var signals = new ShutdownSignal(stop);
        bool noted = false;
        while (!stop.Token.IsCancellationRequested)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                throw new TargetNotFoundException($"process {pid} exited before it mapped {TargetResolver.ShimFileName}");
            }
            if (Targets.Processes.ProbesLibraryFinder.InProcess(Targets.Processes.ProcessTarget.DefaultProcRoot, pid) is not null)
            {
                return true;
            }
            if (!noted)
            {
                console.WriteNote($"waiting for pid {pid} to map {TargetResolver.ShimFileName} (it loads it at its first probe); Ctrl-C to give up");
                noted = true;
            }
            stop.Token.WaitHandle.WaitOne(50);
        }
        console.WriteNote($"stopped waiting for pid {pid} ({stop.Reason})");
        return false;
    }

    private static string ParseFormat(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (!Formats.Contains(text, StringComparer.Ordinal))
        {
            result.AddError($"--format must be table, json, chrome, tree or tree-json, not '{text}'");
        }
        return text;
    }

    /// <summary>
    /// <c>--json</c> (every verb's switch for JSON on stdout) is <c>--format json</c> here; with
    /// another <c>--format</c> given too the command line asks for two reports, a usage error.
    /// </summary>
    private static string? FormatConflict(CommandResult result, Option<string> format)
    {
        if (!result.GetValue(CommonOptions.Json) || result.GetResult(format) is not { Implicit: false } given || given.Tokens.Count != 1)
        {
            return null;
        }
        string chosen = given.Tokens[0].Value;
        return chosen == "json" || !Formats.Contains(chosen, StringComparer.Ordinal)
            ? null
            : $"--json means --format json; it conflicts with --format {chosen}";
    }

    private static ExitCode Execute(CliConsole console, TraceTarget target, string format, ReportOutput? output, TimeSpan? duration, TraceRunOptions options, SlowPhases? slow, bool verbose, ReportChoices choices,
        OtlpSettings? otlp)
    {
        // The plan holds the pinned files the uprobes are opened through; it closes them at the end.
        bool Has(string name) => target.Probes.Any(p => p.Probe.Provider == TracePlan.OwnProvider && p.Probe.Name == name);
        List<ProbePattern> patterns = [ProbePattern.Parse("probes:phase_begin"), ProbePattern.Parse("probes:phase_end")];
        if (Has("mark"))
        {
            patterns.Add(ProbePattern.Parse("probes:mark"));
        }
        // ABI v2, only when exporting: raising its semaphore makes the SDK read Activity.Current.
        if (otlp is not null && Has(OtlpPhaseExport.ContextProbe))
        {
            patterns.Add(ProbePattern.Parse("probes:" + OtlpPhaseExport.ContextProbe));
        }
        using TracePlan plan = TracePlan.Build(target.Probes, patterns, [], target.Pid, target.Description);
        var collector = new PhaseCollector(keepTimeline: KeepsInstances(format), slow: slow);

        using var stop = new TraceStop(duration);
        using var signals = new ShutdownSignal(stop);
        using TraceRun run = TraceRun.Create(target, stop, new ConsoleDiagnostics(console, verbose), options);
        run.Add(plan);
        run.Start();
        console.WriteNote($"attached to {plan.FileCount} file(s) for {target.Description}{(run.PhaseMaps is null ? ", every event to user space" : "")}; "
            + (choices.Launch is { } launch ? $"starting it; its exit writes the report" : "Ctrl-C for the report"));
        // Attached first, then started: the command's first phase is seen, however early.
        choices.Launch?.Start(stop);

        KernelPhases? kernel = null;
        PhaseReport Snapshot(bool withDurations = false) =>
            choices.Selection.Apply(kernel?.Report(target.Directory.Names) ?? collector.Report((long)run.Lost, target.Directory.Names, withDurations));
        using OtlpPhaseSession? export = otlp is null ? null : new OtlpPhaseSession(otlp, console.WriteWarning);
        ITraceConsumer Consumer(Action? afterPoll = null, Action? onTick = null)
        {
            ITraceConsumer inner = run.PhaseMaps is { } maps
                ? kernel = new KernelPhases(maps, afterPoll, onTick, slow)
                : new PhaseEvents(new Collecting(collector, afterPoll, onTick));
            return export?.Wrap(inner, run.PhaseMaps, kernel,
                container => target.Directory.Names.TryGetValue(container, out string? name) ? new ContainerResource(name, choices.Image) : null) ?? inner;
        }

        // Live only on a terminal (the console the CLI wired knows); a pipe or file gets the final report alone.
        bool interactive = console.Terminal.Profile.Capabilities.Interactive;
        // A started command shares the terminal: no live table drawn over its output.
        bool live = format is "table" or "tree" && output is null && interactive && choices.Interval is null && choices.Launch is null;
        WindowOutput? windows = choices.Interval is { } every ? new WindowOutput(console, every, jsonLines: format == "json" || !interactive, () => Snapshot(withDurations: true), stop) : null;
        if (windows is not null)
        {
            run.Run(Consumer(afterPoll: windows.AfterPoll));
            windows.Emit(final: true);
        }
        else if (live && format == "tree")
        {
            // The tree's live mode: rebuilt from the kept instances at each tick (once a second).
            IRenderable DrawTree(int width)
            {
                PhaseReport now = Snapshot();
                return TreeReportWriter.Render(TreeOf(now, collector, choices), TreeContainerName(now));
            }
            LivePhaseTable.Show(console.Terminal, DrawTree, refresh => run.Run(Consumer(onTick: refresh)));
        }
        else if (live)
        {
            LivePhaseTable.Show(console.Terminal, () => Snapshot(), refresh => run.Run(Consumer(onTick: refresh)));
        }
        else
        {
            run.Run(Consumer(afterPoll: () =>
            {
                if (output is null && !stop.Token.IsCancellationRequested && console.OutputClosed)
                {
                    stop.Stop("output closed"); // nobody is left to read the report
                }
            }));
        }

        PhaseReport report = Snapshot();
        string exported = export?.Finish() ?? "";
        long ignored = kernel?.IgnoredEvents((long)run.Ignored) ?? (long)run.Ignored;
        long unidentified = kernel?.UnidentifiedEvents((long)run.Unidentified) ?? (long)run.Unidentified;
        // Windows written as JSON lines end with the final one; a second, indented document would break the stream.
        bool reportAfterWindows = windows is null || output is not null || !windows.JsonLines;
        (ExitCode code, string? unwritten) = reportAfterWindows ? WriteReport(console, output, Render(format, report, collector, live, choices)) : (ExitCode.Success, null);
        if (unwritten is not null && run.StopReason is null)
        {
            stop.Stop(console.OutputClosed ? "output closed" : "output failed"); // the reason, when it came only after the capture
        }
        console.WriteNote($"{report.Rows.Sum(r => r.Count)} phases completed, {report.Lost} events lost, {report.Unfinished.Count} unfinished, "
            + $"{report.EndsWithoutBegin} ended without a seen begin{(ignored > 0 ? $", {ignored} events of other containers ignored" : "")}"
            + $"{(unidentified > 0 ? $", {unidentified} events of containers that exited before they could be identified (shown as 'unidentified (pid ns N)')" : "")}"
            + $"{(collector.TimelineDropped > 0 ? $", {collector.TimelineDropped} phases not kept in the timeline (limit {PhaseCollector.DefaultMaxTimelinePhases})" : "")}"
            + $"{(report.DroppedBegins > 0 ? $", {report.DroppedBegins} begins dropped (open-phase limit {PhasePairing.DefaultMaxOpenPerProcess} per process, {PhasePairing.DefaultMaxOpenTotal} in all)" : "")}"
            + $"{(report.Slow is { } slowest ? $", {slowest.Count} at or over {DurationText.Format(slowest.ThresholdNs)}" : "")}"
            + $"{(report.NotTabulated > 0 ? $", {report.NotTabulated} phases not tabulated (limit {PhaseStatistics.DefaultMaxRows} rows)" : "")}"
            + KernelLossText(report.Kernel)
            + exported
            + $"{(unwritten is not null ? $", {unwritten}" : "")}"
            + $"{(run.StopReason is { } why ? $" ({why})" : "")}");
        if (choices.Launch?.Running is { } command)
        {
            // Its exit code is ours, unless the report itself failed.
            int exit = command.WaitForExit(run.StopReason);
            command.Dispose();
            return code != ExitCode.Success ? code : (ExitCode)exit;
        }
        return code;
    }

    /// <summary>What in-kernel pairing could not count, for the closing line (nothing when all was counted).</summary>
    private static string KernelLossText(KernelPairingLoss? loss) => loss is null ? "" :
        (loss.Evicted > 0 ? $", {loss.Evicted} begins evicted unended (pending map full)" : "")
        + (loss.PendingFull > 0 ? $", {loss.PendingFull} begins refused (pending map full)" : "")
        + (loss.HistogramFull > 0 ? $", {loss.HistogramFull} phases without a histogram bucket (map full)" : "")
        + (loss.StatisticsFull > 0 ? $", {loss.StatisticsFull} phases not counted (statistics map full)" : "")
        + (loss.Unattributed > 0 ? $", {loss.Unattributed} phases of no known container" : "");

    /// <summary>Every phase event into the collector; the live table or the closed-stdout check between reads.</summary>
    private sealed class Collecting(PhaseCollector collector, Action? afterPoll = null, Action? onTick = null) : IPhaseEventConsumer
    {
        public void OnPhaseEvent(in PhaseEvent phase, Func<string> describeProcess) => collector.Add(phase, describeProcess);

        public void OnMark(in MarkEvent mark) => collector.AddMark(mark);

        public void AfterPoll(int events) => afterPoll?.Invoke();

        public void OnTick() => onTick?.Invoke();
    }

    /// <summary>
    /// Writes the report where it was asked for. A -o file that fails at the end (a full disk,
    /// /dev/full) does not lose the capture: the report goes to stdout, and the exit code says
    /// it did not reach the file. A stdout whose reader has gone gets nothing, and that is no failure.
    /// </summary>
    /// <returns>The exit code, and what was not written (for the summary line) or null.</returns>
    private static (ExitCode Code, string? Unwritten) WriteReport(CliConsole console, ReportOutput? output, byte[] rendered)
    {
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

    /// <summary>What the options chose about the report's content (not its format or destination).</summary>
    /// <param name="Image">The image every traced container runs (--image without a glob): their OTLP resource's container.image.name.</param>
    private sealed record ReportChoices(bool MergeContainers, PhaseSelection Selection, TimeSpan? Interval, CommandLaunch? Launch, string? Image = null);

    /// <summary>The command after <c>--</c>, started once attached; <see cref="Pids"/> is the trace's pid filter, filled at its start.</summary>
    private sealed class CommandLaunch(string[] command, string shim)
    {
        public HashSet<int> Pids { get; } = [];

        public CommandUnderTrace? Running { get; private set; }

        public string Name => command[0];

        public void Start(TraceStop stop)
        {
            Running = CommandUnderTrace.Start(command, shim, stop);
            Pids.Add(Running.Pid);
        }
    }

    /// <summary>The tokens after <c>--</c> (the command to start), or null without <c>--</c>.</summary>
    private static string[]? AfterDashes(ParseResult parse)
    {
        int dashes = IndexOfDashes(parse.Tokens);
        return dashes < 0 ? null : parse.Tokens.Skip(dashes + 1).Select(t => t.Value).ToArray();
    }

    /// <summary>FILE when it was given before <c>--</c> (the shim to attach); after it, it is the command's first word.</summary>
    private static string? FileBeforeDashes(ParseResult parse, Argument<string?> file)
    {
        if (parse.GetResult(file) is not { Tokens: [Token token] })
        {
            return null;
        }
        int dashes = IndexOfDashes(parse.Tokens);
        for (int i = 0; i < parse.Tokens.Count; i++)
        {
            if (ReferenceEquals(parse.Tokens[i], token))
            {
                return dashes < 0 || i < dashes ? token.Value : null;
            }
        }
        return null;
    }

    private static int IndexOfDashes(IReadOnlyList<Token> tokens)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type == TokenType.DoubleDash)
            {
                return i;
            }
        }
        return -1;
    }

    private const ulong MinIntervalNanoseconds = 100_000_000;

    /// <summary>Every instance kept: a selected phase keeps its path of parents (the unfinished ones too).</summary>
    private static PhaseTree TreeOf(PhaseReport report, PhaseCollector collector, ReportChoices choices) =>
        PhaseTreeBuilder.Build(collector.Timeline, collector.Report(0, report.Containers).Unfinished, choices.MergeContainers,
            selects: choices.Selection.SelectsAll ? null : choices.Selection.Selects);

    private static Func<string, string> TreeContainerName(PhaseReport report) =>
        key => key == PhaseTreeBuilder.Merged ? "(all containers)" : report.ContainerName(key);

    private static byte[] Render(string format, PhaseReport report, PhaseCollector collector, bool liveShownAlready, ReportChoices choices)
    {
        PhaseSelection selection = choices.Selection;
        IReadOnlyList<CompletedPhase> timeline = selection.SelectsAll ? collector.Timeline : collector.Timeline.Where(p => selection.Selects(p.Name)).ToList();
        using var stream = new MemoryStream();
        switch (format)
        {
            case "json":
                JsonReportWriter.Write(report, stream);
                return stream.ToArray();
            case "chrome":
                var clock = new MonotonicClock();
                ChromeTraceWriter.Write(timeline, report.Unfinished, collector.TimelineMarks, (ulong)MonotonicClock.MonotonicNanoseconds(),
                    pid => collector.Processes.TryGetValue(pid, out string? label) ? label : $"pid {pid}", clock.ToWallClock, stream,
                    collector.TimelineDropped + collector.TimelineMarksDropped);
                return stream.ToArray();
            case "tree" or "tree-json":
                PhaseTree tree = TreeOf(report, collector, choices);
                if (format == "tree")
                {
                    // The live tree stays on screen; what it does not show follows it.
                    return !liveShownAlready ? TreeReportWriter.Text(tree, TreeContainerName(report))
                        : report.Slow is { } slowest ? SlowPhaseTable.Text(report, slowest)
                        : [];
                }
                TreeReportWriter.WriteJson(tree, TreeContainerName(report), stream);
                return stream.ToArray();
            default:
                // The live table stays on screen; what it does not show follows it.
                return !liveShownAlready ? TableReportWriter.Text(report)
                    : report.Slow is { } slow ? SlowPhaseTable.Text(report, slow)
                    : [];
        }
    }
}
