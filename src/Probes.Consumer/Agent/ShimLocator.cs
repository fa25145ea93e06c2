using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Agent;

/// <summary>
/// The shim in a container's root filesystem, for a hook's request. Searching the whole tree
/// (<see cref="ImageLayers.FindBeneath"/>) costs thousands of directory reads per container start,
/// so the paths (relative to the root) where a shim was found before are tried first, newest
/// first, opened the same way (beneath the root, no symlink in any component); the search runs
/// only when none of them holds one. At most <see cref="MaxKnownPaths"/> are kept.
/// </summary>
public sealed class ShimLocator(string fileName)
{
    public const int MaxKnownPaths = 16;
    private readonly List<string> _known = [];

    /// <summary>Requests answered by a known path, without a search.</summary>
    public ulong KnownPathHits { get; private set; }

    public TargetFile? Find(string root)
    {
        foreach (string relative in _known)
        {
            string path = Path.Combine(root, relative);
            try
            {
                TargetFile file = new(path, path) { Pinned = TargetFileOpener.PinBeneath(root, relative, path) };
                KnownPathHits++;
                return file;
            }
            catch (ProbesException)
            {
                // Not in this image (or not a plain file there): the next known path, then the search.
            }
        }
        if (ImageLayers.FindBeneath(root, fileName) is not { } found)
        {
            return null;
        }
        string foundRelative = Path.GetRelativePath(root, found.Path);
        _known.Remove(foundRelative);
        _known.Insert(0, foundRelative);
        if (_known.Count > MaxKnownPaths)
        {
            _known.RemoveAt(_known.Count - 1);
        }
        return found;
    }
}
