using System.Globalization;
using System.Text.Json;

namespace Probes.Consumer.Tests.Support;

/// <summary>A slice as Perfetto would import it: its track (pid, tid), its bounds in nanoseconds, and the slice it nests in on that track.</summary>
public sealed record TraceSlice(int Index, int Pid, int Tid, string Name, long StartNs, long EndNs, JsonElement Args, TraceSlice? Enclosing)
{
    public ulong Span => Args.GetProperty("span").GetUInt64();

    public ulong Parent => Args.GetProperty("parent").GetUInt64();
}

/// <summary>A flow arrow as Perfetto binds it: from the slice its start bound to, to the slice its end bound to.</summary>
public sealed record TraceFlow(long Id, TraceSlice From, TraceSlice To);

/// <summary>What a trace holds once validated.</summary>
public sealed record ValidatedTrace(
    IReadOnlyList<TraceSlice> Slices,
    IReadOnlyList<TraceFlow> Flows,
    IReadOnlyList<JsonElement> Instants,
    IReadOnlyDictionary<int, string> ProcessNames,
    IReadOnlyDictionary<(int Pid, int Tid), string> ThreadNames,
    JsonElement? Metadata);

/// <summary>
/// The rules Perfetto's JSON importer (trace_processor's json tokenizer, sorter and parser)
/// applies, written down so every Chrome trace the tests produce is checked against them; the
/// official trace_processor is not installable here. Rules: the phase types it imports and the
/// fields each needs (a missing <c>dur</c> drops an "X", a flow without an id is dropped); names
/// present (every event that draws, every process and every track named by metadata); strict
/// nesting per thread track (a slice that overlaps the one it starts in without ending inside it
/// is dropped); and flows bound, simulated as the importer binds them: events sorted by time, at
/// one time ends first, then complete slices longest first, then everything else in file order;
/// a flow start or "bp":"e" end binds to the top of its track's stack, which the importer pops
/// only when a new slice begins there (so a flow after a slice ended binds to that ended slice).
/// </summary>
public static class ChromeTraceValidator
{
    private static readonly HashSet<string> Imported = ["B", "E", "X", "i", "I", "R", "b", "e", "n", "s", "t", "f", "M", "C"];
    private static readonly HashSet<string> MetadataNames = ["process_name", "thread_name", "process_labels", "process_sort_index", "thread_sort_index"];

    public static ValidatedTrace Validate(string json)
    {
        var errors = new List<string>();
        using JsonDocument document = JsonDocument.Parse(json);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("traceEvents", out JsonElement eventsElement) || eventsElement.ValueKind != JsonValueKind.Array)
        {
            throw new AssertFailedException("Chrome trace: the root is not an object with a traceEvents array");
        }
        if (root.TryGetProperty("displayTimeUnit", out JsonElement unit) && unit.GetString() is not ("ms" or "ns"))
        {
            errors.Add($"displayTimeUnit '{unit}' is neither ms nor ns");
        }
        JsonElement? metadata = root.TryGetProperty("metadata", out JsonElement m) ? m.Clone() : null;

        var events = eventsElement.EnumerateArray().Select(e => e.Clone()).ToList();
        var processNames = new Dictionary<int, string>();
        var threadNames = new Dictionary<(int, int), string>();
        var timed = new List<(int Index, JsonElement Event, string Ph, long Ns, long Key)>();
        for (int i = 0; i < events.Count; i++)
        {
            JsonElement e = events[i];
            string where = $"event {i}";
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("ph", out JsonElement phElement) || phElement.GetString() is not { Length: 1 } ph)
            {
                errors.Add($"{where}: no one-letter ph");
                continue;
            }
            where = $"event {i} ('{ph}' {Text(e, "name")})";
            if (!Imported.Contains(ph))
            {
                errors.Add($"{where}: phase '{ph}' is not imported by Perfetto");
                continue;
            }
            if (!IsUInt32(e, "pid"))
            {
                errors.Add($"{where}: pid missing or not a 32-bit unsigned number");
            }
            bool threadScoped = ph is "B" or "E" or "X" or "s" or "t" or "f" || (ph is "i" or "I" && Text(e, "s") is null or "t") || (ph == "M" && Text(e, "name") == "thread_name");
            if (threadScoped && !IsUInt32(e, "tid"))
            {
                errors.Add($"{where}: tid missing or not a 32-bit unsigned number");
            }
            if (ph != "E" && string.IsNullOrEmpty(Text(e, "name")))
            {
                errors.Add($"{where}: no name");
            }
            if (ph == "M")
            {
                string name = Text(e, "name") ?? "";
                if (!MetadataNames.Contains(name))
                {
                    errors.Add($"{where}: metadata '{name}' is not one Perfetto reads");
                }
                else if (name.EndsWith("_name", StringComparison.Ordinal))
                {
                    string? value = e.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Object ? Text(args, "name") : null;
                    if (string.IsNullOrEmpty(value))
                    {
                        errors.Add($"{where}: {name} without args.name");
                    }
                    else if (name == "process_name")
                    {
                        processNames[Int(e, "pid")] = value;
                    }
                    else
                    {
                        threadNames[(Int(e, "pid"), Int(e, "tid"))] = value;
                    }
                }
                continue;
            }
            if (!TryNumber(e, "ts", out double ts) || ts < 0)
            {
                errors.Add($"{where}: ts missing, negative or not a number");
                continue;
            }
            long key = long.MaxValue;
            if (ph == "X")
            {
                if (!TryNumber(e, "dur", out double dur) || dur < 0)
                {
                    errors.Add($"{where}: complete event without a non-negative dur (Perfetto drops it)");
                    continue;
                }
                key = long.MaxValue - Nanoseconds(dur);
            }
            else if (ph == "E")
            {
                key = long.MinValue;
            }
            if (ph is "i" or "I" && Text(e, "s") is { } scope && scope is not ("g" or "p" or "t"))
            {
                errors.Add($"{where}: instant scope '{scope}' is not g, p or t");
            }
            if (ph is "b" or "e" or "n" && !e.TryGetProperty("id", out _) && !e.TryGetProperty("id2", out _))
            {
                errors.Add($"{where}: async event without id or id2");
            }
            if (ph is "s" or "t" or "f")
            {
                if (FlowId(e) is null)
                {
                    errors.Add($"{where}: flow event without a numeric or hex id");
                }
                if (Text(e, "bp") is { } bp && bp != "e")
                {
                    errors.Add($"{where}: flow binding point '{bp}' is not e");
                }
            }
            timed.Add((i, e, ph, Nanoseconds(ts), key));
        }

        // The importer's order, then its stacks.
        timed.Sort((a, b) => a.Ns != b.Ns ? a.Ns.CompareTo(b.Ns) : a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Index.CompareTo(b.Index));
        var stacks = new Dictionary<(int, int), List<TraceSlice>>();
        var slices = new List<TraceSlice>();
        var instants = new List<JsonElement>();
        var flowStarts = new Dictionary<(long, string, string), TraceSlice>();
        var flowEnded = new HashSet<(long, string, string)>();
        var pendingEnds = new Dictionary<(int, int), List<(long Id, string Cat, string Name)>>();
        var flows = new List<TraceFlow>();
        foreach ((int index, JsonElement e, string ph, long ns, long _) in timed)
        {
            string where = $"event {index} ('{ph}' {Text(e, "name")} at {ns} ns)";
            int pid = Int(e, "pid");
            int tid = e.TryGetProperty("tid", out _) ? Int(e, "tid") : pid;
            List<TraceSlice> stack = Stack(pid, tid);
            switch (ph)
            {
                case "X":
                case "B":
                case "i" or "I" when Text(e, "s") is null or "t":
                {
                    long end = ph == "X" ? ns + Nanoseconds(e.GetProperty("dur").GetDouble()) : ph == "B" ? long.MaxValue : ns;
                    while (stack.Count > 0 && stack[^1].EndNs <= ns)
                    {
                        stack.RemoveAt(stack.Count - 1);
                    }
                    TraceSlice? top = stack.Count > 0 ? stack[^1] : null;
                    if (top is not null && end > top.EndNs)
                    {
                        errors.Add($"{where} on track {pid}/{tid} overlaps '{top.Name}' ({top.StartNs}-{top.EndNs} ns) without nesting in it: Perfetto drops it");
                        break;
                    }
                    var slice = new TraceSlice(index, pid, tid, Text(e, "name") ?? "", ns, end, e.TryGetProperty("args", out JsonElement args) ? args : default, top);
                    if (ph is "i" or "I")
                    {
                        instants.Add(e);
                        break;
                    }
                    slices.Add(slice);
                    stack.Add(slice);
                    if (pendingEnds.Remove((pid, tid), out var waiting))
                    {
                        foreach (var flow in waiting)
                        {
                            flows.Add(new TraceFlow(flow.Id, flowStarts[flow], slice));
                        }
                    }
                    break;
                }
                case "E":
                {
                    int open = stack.FindLastIndex(s => s.EndNs == long.MaxValue);
                    if (open < 0)
                    {
                        errors.Add($"{where}: end without a begin on track {pid}/{tid}");
                        break;
                    }
                    TraceSlice begun = stack[open];
                    stack.RemoveRange(open, stack.Count - open);
                    slices[slices.IndexOf(begun)] = begun with { EndNs = ns };
                    break;
                }
                case "i" or "I":
                    instants.Add(e);
                    break;
                case "s" or "t" or "f":
                {
                    var id = (FlowId(e) ?? 0, Text(e, "cat") ?? "", Text(e, "name") ?? "");
                    TraceSlice? top = stack.Count > 0 ? stack[^1] : null;
                    bool enclosing = ph == "s" || Text(e, "bp") == "e";
                    if (enclosing && top is null)
                    {
                        errors.Add($"{where}: no slice on track {pid}/{tid} to bind the flow to");
                        break;
                    }
                    if (enclosing && top!.EndNs < ns)
                    {
                        errors.Add($"{where}: binds to '{top.Name}', which ended at {top.EndNs} ns (the importer pops a slice only when the next begins)");
                    }
                    if (ph == "s")
                    {
                        if (!flowStarts.TryAdd(id, top!))
                        {
                            errors.Add($"{where}: flow id {id.Item1} started twice");
                        }
                        break;
                    }
                    if (!flowStarts.ContainsKey(id))
                    {
                        errors.Add($"{where}: flow id {id.Item1} ends before (or without) its start");
                        break;
                    }
                    flowEnded.Add(id);
                    if (enclosing)
                    {
                        flows.Add(new TraceFlow(id.Item1, flowStarts[id], top!));
                    }
                    else
                    {
                        (pendingEnds.TryGetValue((pid, tid), out var list) ? list : pendingEnds[(pid, tid)] = []).Add(id);
                    }
                    break;
                }
            }
        }
        foreach (var start in flowStarts.Keys.Where(k => !flowEnded.Contains(k)))
        {
            errors.Add($"flow id {start.Item1} starts at '{flowStarts[start].Name}' and never ends");
        }
        foreach (var pending in pendingEnds.Values.SelectMany(p => p))
        {
            errors.Add($"flow id {pending.Id} ends where no slice follows");
        }

        // Names present: every process that has events, and every track that draws.
        foreach (int pid in timed.Select(t => Int(t.Event, "pid")).Distinct().Where(pid => !processNames.ContainsKey(pid)))
        {
            errors.Add($"process {pid} has no process_name");
        }
        foreach ((int pid, int tid) in slices.Select(s => (s.Pid, s.Tid)).Distinct().Where(track => !threadNames.ContainsKey(track)))
        {
            errors.Add($"track {pid}/{tid} has no thread_name");
        }

        if (errors.Count > 0)
        {
            throw new AssertFailedException($"Chrome trace breaks {errors.Count} rule(s) of Perfetto's JSON importer:\n  " + string.Join("\n  ", errors.Take(50)));
        }
        return new ValidatedTrace(slices, flows, instants, processNames, threadNames, metadata);

        List<TraceSlice> Stack(int pid, int tid) => stacks.TryGetValue((pid, tid), out var s) ? s : stacks[(pid, tid)] = [];
    }

    /// <summary>Microseconds as the importer reads them, to whole nanoseconds.</summary>
    private static long Nanoseconds(double microseconds) => (long)Math.Round(microseconds * 1000);

    private static string? Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool TryNumber(JsonElement e, string property, out double value)
    {
        value = 0;
        return e.TryGetProperty(property, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && double.IsFinite(value);
    }

    private static bool IsUInt32(JsonElement e, string property) =>
        e.TryGetProperty(property, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetUInt32(out _);

    private static int Int(JsonElement e, string property) =>
        e.TryGetProperty(property, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int value) ? value : -1;

    private static long? FlowId(JsonElement e)
    {
        if (!e.TryGetProperty("id", out JsonElement id))
        {
            return null;
        }
        if (id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long number))
        {
            return number;
        }
        return id.ValueKind == JsonValueKind.String && long.TryParse(id.GetString()?.Replace("0x", "", StringComparison.Ordinal), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long hex) ? hex : null;
    }
}
