using System.Text;
using System.Text.Json;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Targets.Containers;

/// <summary>
/// The name of a podman container that is already removed, from podman's own event log (the
/// <c>file</c> events logger, <c>/run/libpod/events/events.log</c> for root): one JSON line per
/// event, each with the container's <c>ID</c> and <c>Name</c>, kept after the container is gone.
/// A container that lived a second under a tracer busy elsewhere can be removed before the tracer
/// asks <c>podman container inspect</c> for its name; its events still belong to it, by name.
/// Only the log's tail is read (bounded), lines are bounded, and only an exact full id matches.
/// A host whose podman logs events to journald has no file, and the name stays unknown.
/// </summary>
public sealed class PodmanEventsLog(string path, int maxTailBytes = PodmanEventsLog.DefaultTailBytes)
{
    public const int DefaultTailBytes = 4 << 20;
    private const int MaxLineBytes = 16 << 10;
    private const int MaxNameLength = 255;

    public static PodmanEventsLog Default { get; } = new("/run/libpod/events/events.log");

    /// <summary>The name in the latest event of container <paramref name="fullId"/> (64 hex digits); null when none.</summary>
    public string? NameOf(string fullId)
    {
        if (!CgroupContainerId.IsId(fullId))
        {
            return null;
        }
        byte[] tail;
        try
        {
            // Opened the way every target file is: the type checked first, so a FIFO or device
            // planted where the log belongs is refused instead of blocking in open().
            using PinnedFile pinned = TargetFileOpener.PinPath(path);
            using var file = new FileStream(pinned.BorrowHandle(), FileAccess.Read);
            long start = Math.Max(0, file.Length - maxTailBytes);
            file.Seek(start, SeekOrigin.Begin);
            tail = new byte[file.Length - start];
            file.ReadExactly(tail);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ProbesException)
        {
            return null;
        }
        byte[] needle = Encoding.ASCII.GetBytes(fullId);
        ReadOnlySpan<byte> rest = tail;
        // Latest first: a name can change (podman rename), the last event has the one it ended with.
        // The first line may be cut by the tail's start: it does not parse and is skipped.
        while (!rest.IsEmpty)
        {
            int newline = rest.LastIndexOf((byte)'\n');
            ReadOnlySpan<byte> line = rest[(newline + 1)..];
            rest = newline < 0 ? [] : rest[..newline];
            if (line.Length is > 0 and <= MaxLineBytes && line.IndexOf(needle) >= 0 && NameIn(line, fullId) is { } name)
            {
                return name;
            }
        }
        return null;
    }

    private static string? NameIn(ReadOnlySpan<byte> line, string fullId)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using JsonDocument json = JsonDocument.ParseValue(ref reader);
            return JsonText.String(json.RootElement, "ID") == fullId && JsonText.String(json.RootElement, "Type") == "container"
                && JsonText.String(json.RootElement, "Name") is { Length: <= MaxNameLength } name
                ? name
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
