using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Probes.Consumer.Targets.Files;

namespace Probes.Consumer.Tracing.Discovery;

/// <summary>
/// Finds a file inside a podman image's layers on the host. A uprobe on that file is a uprobe on
/// the inode every container of the image maps (overlayfs maps the lower layer's file), so
/// containers started later are covered too, as long as they do not modify the file.
///
/// The layers hold what the image's author put there. The search never follows a symlink, and
/// the file found is opened relative to its layer with openat2 RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS, so no component of its path can lead out of the layer, not even one
/// swapped for a symlink after the search.
/// </summary>
public static class ImageLayers
{
    private const int MaxEntriesSearched = 200_000;
    private static readonly TimeSpan PodmanTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The images podman has whose <c>REPOSITORY:TAG</c> matches <paramref name="glob"/> (<c>--image 'localhost/web:*'</c>), sorted.</summary>
    public static IReadOnlyList<string> Matching(string glob, Func<string, string, bool> matches)
    {
        string podman = Executables.Find("podman") ?? throw new TargetNotFoundException("--image needs podman on this host");
        var result = ExternalCommand.Run(podman, ["images", "--noheading", "--format", "{{.Repository}}:{{.Tag}}"], PodmanTimeout);
        if (result is not { ExitCode: 0 } ok)
        {
            throw new TargetNotFoundException("podman could not list its images");
        }
        return ok.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(image => matches(glob, image)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The shim in the image's layers, pinned (see <see cref="TargetFileOpener.PinBeneath"/>).</summary>
    public static TargetFile FindShim(string image, string fileName)
    {
        string podman = Executables.Find("podman") ?? throw new TargetNotFoundException("--image needs podman on this host");
        var result = ExternalCommand.Run(podman, ["image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}:{{.GraphDriver.Data.LowerDir}}", image], PodmanTimeout);
        if (result is not { ExitCode: 0 } ok)
        {
            throw new TargetNotFoundException($"podman has no image '{image}'");
        }
        int searched = 0;
        // Upper (newest) layer first: a file in it hides the same path in older layers.
        foreach (string layer in ok.Stdout.Trim().Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Directory.Exists(layer) && Find(layer, fileName, ref searched) is { } found)
            {
                return new TargetFile(found, found) { Pinned = TargetFileOpener.PinBeneath(layer, Path.GetRelativePath(layer, found), found) };
            }
        }
        throw new TargetNotFoundException($"image '{image}' has no {fileName} (searched {searched} entries of its layers)");
    }

    /// <summary>
    /// The first file named <paramref name="fileName"/> under <paramref name="root"/> (a container's
    /// root filesystem on the host, as an OCI hook names it), pinned beneath it the same way; null
    /// when there is none within the search bound.
    /// </summary>
    public static TargetFile? FindBeneath(string root, string fileName)
    {
        int searched = 0;
        return Directory.Exists(root) && Find(root, fileName, ref searched) is { } found
            ? new TargetFile(found, found) { Pinned = TargetFileOpener.PinBeneath(root, Path.GetRelativePath(root, found), found) }
            : null;
    }

    private static string? Find(string root, string fileName, ref int searched)
    {
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            string directory = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(directory).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (string entry in entries)
            {
                if (++searched > MaxEntriesSearched)
                {
                    return null;
                }
                var info = new FileInfo(entry);
                if (info.LinkTarget is not null)
                {
                    continue; // a symlink in an image points into the container's root, not ours
                }
                if ((info.Attributes & FileAttributes.Directory) != 0)
                {
                    pending.Push(entry);
                }
                else if (info.Name == fileName)
                {
                    return entry;
                }
            }
        }
        return null;
    }
}
