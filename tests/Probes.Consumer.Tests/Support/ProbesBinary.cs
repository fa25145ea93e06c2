using System.Text.Json;

namespace Probes.Consumer.Tests.Support;

/// <summary>One object of <c>probes list --json</c>, read back independently of the renderer's types.</summary>
public sealed record JsonProbe(string File, string Provider, string Name, ulong Pc, ulong Base, ulong Semaphore, string Args, ulong PcOffset, ulong SemaphoreOffset, int? Pid, string? HostPath, string? Container);

/// <summary>Runs the real <c>probes</c> binary, as a user would.</summary>
public static class ProbesBinary
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public static ProcessResult Run(params string[] args) => ProcessRunner.Run(TestPaths.ProbesExecutable, args, Timeout);

    public static List<JsonProbe> ListJson(params string[] target)
    {
        ProcessResult result = Run(["list", "--json", .. target]).EnsureSuccess($"probes list --json {string.Join(' ', target)}");
        return ParseJson(result.Stdout);
    }

    public static List<JsonProbe> ParseJson(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(e => new JsonProbe(
            e.GetProperty("file").GetString()!,
            e.GetProperty("provider").GetString()!,
            e.GetProperty("name").GetString()!,
            e.GetProperty("pc").GetUInt64(),
            e.GetProperty("base").GetUInt64(),
            e.GetProperty("semaphore").GetUInt64(),
            e.GetProperty("args").GetString()!,
            e.GetProperty("pc_offset").GetUInt64(),
            e.GetProperty("semaphore_offset").GetUInt64(),
            e.TryGetProperty("pid", out JsonElement pid) ? pid.GetInt32() : null,
            e.TryGetProperty("host_path", out JsonElement host) ? host.GetString() : null,
            e.TryGetProperty("container", out JsonElement container) ? container.GetString() : null)).ToList();
    }
}
