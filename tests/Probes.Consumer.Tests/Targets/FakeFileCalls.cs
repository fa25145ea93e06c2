using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Probes.Consumer.Targets.Files;
using static Probes.Consumer.Targets.Files.NativeFiles;

namespace Probes.Consumer.Tests.Targets;

/// <summary>
/// A file system in memory behind <see cref="IFileCalls"/>: files, directories, symlinks (plain
/// and /proc magic links), failures planted on a path, and the openat2 resolve rules that the
/// opener relies on (RESOLVE_BENEATH, RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS,
/// RESOLVE_NO_MAGICLINKS), so a test sees the outcome of the flags the opener actually passed.
/// Descriptors are fake numbers in handles that own nothing; every handle given out is kept so a
/// test can check that a refusal closed all of them.
/// </summary>
internal sealed class FakeFileCalls : IFileCalls
{
    public const uint RegularFile = 0x81a4, Directory = 0x41ed, Fifo = 0x11a4, Socket = 0xc1ed, CharacterDevice = 0x21b6, BlockDevice = 0x61b0;

    /// <summary>Linux's limit on symlinks followed in one walk (MAXSYMLINKS).</summary>
    private const int MaxSymlinks = 40;

    private const string SelfFd = "/proc/self/fd/";

    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal) { ["/"] = new Node(Directory, new FileIdentity(0xfd, 1, 2)) };
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<int, Node> _descriptors = [];
    private readonly Dictionary<nint, (Node Node, FileIdentity Shown)> _pages = [];
    private readonly List<SafeFileHandle> _handedOut = [];
    private int _nextDescriptor = 1000;
    private nint _nextPage = 0x7f00_0000;
    private ulong _nextInode = 5000;

    /// <summary>openat2 fails with this errno every time (ENOSYS: a kernel before 5.6); 0 for none.</summary>
    public int OpenAt2Errno { get; set; }

    /// <summary>openat2 fails with EAGAIN this many times before it answers (a rename race the kernel noticed).</summary>
    public int OpenAt2Retries { get; set; }

    /// <summary>Every openat2: the directory's path, the relative path and the resolve flags.</summary>
    public List<(string Directory, string Path, ulong Resolve)> OpenAt2Calls { get; } = [];

    /// <summary>Every open that was not O_PATH, by the path it was given: the opens that reach a file's driver.</summary>
    public List<string> ReadOpens { get; } = [];

    /// <summary>Handles given out and not disposed.</summary>
    public IEnumerable<SafeFileHandle> StillOpen => _handedOut.Where(h => !h.IsClosed);

    /// <summary>Pages mapped and not unmapped.</summary>
    public int MappedPages => _pages.Count;

    /// <summary>A file (its parent directories are made as needed); its identity is returned.</summary>
    public FileIdentity AddFile(string path, uint mode = RegularFile, bool seekable = true)
    {
        var node = new Node(mode, new FileIdentity(0xfd, 1, _nextInode++)) { Seekable = seekable };
        Add(path, node);
        return node.Identity;
    }

    /// <summary>Another name for the file at <paramref name="existing"/> (as /proc/PID/map_files/RANGE is for the mapped file).</summary>
    public void AddName(string path, string existing) => Add(path, _nodes[existing]);

    public void AddDirectory(string path) => Add(path, new Node(Directory, new FileIdentity(0xfd, 1, _nextInode++)));

    public void AddSymlink(string path, string target, bool magic = false) =>
        Add(path, new Node(0xa1ff, new FileIdentity(0xfd, 1, _nextInode++)) { LinkTarget = target, IsMagic = magic });

    /// <summary>Any walk that reaches <paramref name="path"/> fails with <paramref name="errno"/> there.</summary>
    public void Fail(string path, int errno)
    {
        if (!_nodes.ContainsKey(Parent(path)))
        {
            AddDirectory(Parent(path));
        }
        _failures[path] = errno;
    }

    /// <summary>What our own maps will show for a mapping of the file (the file underneath an overlay, before Linux 6.8); null: it cannot be mapped.</summary>
    public void ShowInMapsAs(string path, FileIdentity? identity) => _nodes[path].ShownInMaps = identity;

    public SafeFileHandle? Open(string path, int flags, out int errno)
    {
        Node? node;
        if (path.StartsWith(SelfFd, StringComparison.Ordinal))
        {
            // The magic link to one of our own descriptors: exactly that open file.
            errno = _descriptors.TryGetValue(int.Parse(path[SelfFd.Length..], CultureInfo.InvariantCulture), out node) ? 0 : ENOENT;
        }
        else
        {
            errno = Walk("/", "/", path, resolve: 0, out node);
        }
        if ((flags & PathOnly) == 0)
        {
            ReadOpens.Add(path);
        }
        return errno == 0 ? HandOut(node!) : null;
    }

    public SafeFileHandle? OpenAt2(SafeFileHandle directory, string relativePath, int flags, ulong resolve, out int errno)
    {
        string start = PathOf(_descriptors[(int)directory.DangerousGetHandle()]);
        OpenAt2Calls.Add((start, relativePath, resolve));
        if (OpenAt2Errno != 0)
        {
            errno = OpenAt2Errno;
            return null;
        }
        if (OpenAt2Retries > 0)
        {
            OpenAt2Retries--;
            errno = EAGAIN;
            return null;
        }
        string scope = (resolve & (ResolveBeneath | ResolveInRoot)) != 0 ? start : "/";
        errno = Walk(scope, start, relativePath, resolve, out Node? node);
        return errno == 0 ? HandOut(node!) : null;
    }

    public bool TryStatus(SafeFileHandle handle, out FileStatus status, out int errno)
    {
        bool open = _descriptors.TryGetValue((int)handle.DangerousGetHandle(), out Node? node) && !handle.IsClosed;
        status = open ? new FileStatus(node!.Mode, node.Identity) : default;
        errno = open ? 0 : 9; // EBADF
        return open;
    }

    public bool TryStatus(string path, out FileStatus status, out int errno)
    {
        errno = Walk("/", "/", path, resolve: 0, out Node? node);
        status = errno == 0 ? new FileStatus(node!.Mode, node.Identity) : default;
        return errno == 0;
    }

    public bool IsSeekable(SafeFileHandle handle) => _descriptors[(int)handle.DangerousGetHandle()].Seekable;

    public nint MapPage(SafeFileHandle handle)
    {
        Node node = _descriptors[(int)handle.DangerousGetHandle()];
        if (node.ShownInMaps is not { } shown)
        {
            return -1;
        }
        nint address = _nextPage;
        _nextPage += 0x1000;
        _pages[address] = (node, shown);
        return address;
    }

    public void Unmap(nint address) => Assert.IsTrue(_pages.Remove(address), $"unmapping {address:x}, which is not mapped");

    public IEnumerable<string> OwnMaps() => _pages.Select(p =>
        $"{p.Key:x}-{p.Key + 0x1000:x} r--p 00000000 {p.Value.Shown.Major:x2}:{p.Value.Shown.Minor:x2} {p.Value.Shown.Inode} {PathOf(p.Value.Node)}");

    /// <summary>
    /// Path resolution as the kernel does it for the flags we use: <paramref name="scope"/> is the
    /// root of the walk ("/" unless RESOLVE_BENEATH or RESOLVE_IN_ROOT made the start directory one).
    /// </summary>
    private int Walk(string scope, string start, string path, ulong resolve, out Node? found)
    {
        found = null;
        var pending = new LinkedList<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        string current = path.StartsWith('/') ? scope : start;
        int symlinks = 0;
        while (pending.First is { } first)
        {
            string component = first.Value;
            pending.RemoveFirst();
            if (component == ".")
            {
                continue;
            }
            if (component == "..")
            {
                if (current == scope)
                {
                    if ((resolve & ResolveBeneath) != 0 && scope != "/")
                    {
                        return EXDEV;
                    }
                    continue; // ".." at the root stays there (and inside RESOLVE_IN_ROOT's root)
                }
                current = Parent(current);
                continue;
            }
            string next = current == "/" ? "/" + component : current + "/" + component;
            if (_failures.TryGetValue(next, out int planted))
            {
                return planted;
            }
            if (!_nodes.TryGetValue(next, out Node? node))
            {
                return ENOENT;
            }
            if (node.LinkTarget is { } target)
            {
                if ((node.IsMagic && (resolve & ResolveNoMagicLinks) != 0) || (resolve & ResolveNoSymlinks) != 0 || ++symlinks > MaxSymlinks)
                {
                    return ELOOP;
                }
                if (target.StartsWith('/'))
                {
                    if ((resolve & ResolveBeneath) != 0)
                    {
                        return EXDEV;
                    }
                    current = scope;
                }
                foreach (string part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.AddFirst(part);
                }
                continue;
            }
            if (pending.Count > 0 && node.Mode != Directory)
            {
                return ENOTDIR;
            }
            current = next;
        }
        found = _nodes[current];
        return 0;
    }

    private SafeFileHandle HandOut(Node node)
    {
        int descriptor = _nextDescriptor++;
        _descriptors[descriptor] = node;
        var handle = new SafeFileHandle(descriptor, ownsHandle: false);
        _handedOut.Add(handle);
        return handle;
    }

    private void Add(string path, Node node)
    {
        string parent = Parent(path);
        if (!_nodes.ContainsKey(parent))
        {
            AddDirectory(parent);
        }
        _nodes[path] = node;
    }

    private string PathOf(Node node) => _nodes.First(n => ReferenceEquals(n.Value, node)).Key;

    private static string Parent(string path)
    {
        int slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }

    private sealed class Node(uint mode, FileIdentity identity)
    {
        public uint Mode { get; } = mode;

        public FileIdentity Identity { get; } = identity;

        public string? LinkTarget { get; init; }

        public bool IsMagic { get; init; }

        public bool Seekable { get; init; } = true;

        /// <summary>What our maps shows for a page of this file; by default the file's own identity (Linux 6.8 and later, or no overlay).</summary>
        public FileIdentity? ShownInMaps { get; set; } = identity;
    }
}
