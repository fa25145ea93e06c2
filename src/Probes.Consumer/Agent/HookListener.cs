using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Probes.Consumer.Agent;

/// <summary>
/// The agent's side of <c>probes hook</c>: a unix socket (mode 0600, so only root may ask) on
/// which the OCI hook sends one line, <c>attach ROOTFS</c> (<c>probes hook</c>), or <c>state</c> followed
/// by the OCI state (<c>probes-hook</c>, native/probes-hook.c), before the container's process runs.
/// Host paths are opened through <see cref="HostPaths"/> (the host's root when we run in a container).
/// The request is handed to the run's thread (<see cref="TryTake"/>, between two polls), which
/// attaches to the shim in that root filesystem and answers; the connection gets the answer line or
/// nothing after <see cref="Wait"/>. A line is at most 4,096 bytes; anything else is answered
/// "error" and counted.
/// </summary>
public sealed class HookListener : IDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(2);
    private const int MaxLine = 4096;
    private readonly Socket _socket;
    private readonly string _path;
    private readonly ConcurrentQueue<(string Root, TaskCompletionSource<string> Answer)> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _malformed;

    private readonly HostPaths _hostPaths;

    private HookListener(string path, HostPaths hostPaths)
    {
        _path = path;
        _hostPaths = hostPaths;
        if (File.Exists(path))
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new AgentListenException($"cannot listen on {path}: another agent answers there");
            }
            catch (SocketException)
            {
                File.Delete(path); // a socket left by an agent that was killed
            }
        }
        _socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("the hook socket is a unix socket");
            }
            // A directory made here is root's alone, so nobody connects in the moment before the chmod.
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            _socket.Listen(64);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            _socket.Dispose();
            throw new AgentListenException($"cannot listen on {path}: {e.Message}", e);
        }
        _loop = Task.Run(Accept);
    }

    public static HookListener Start(string path, HostPaths hostPaths) => new(path, hostPaths);

    /// <summary>Requests that were not an <c>attach</c> line.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>The next request, for the run's thread; its answer completes the hook's wait.</summary>
    public bool TryTake(out (string Root, TaskCompletionSource<string> Answer) request) => _requests.TryDequeue(out request);

    private async Task Accept()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(Socket client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            timeout.CancelAfter(Wait);
            try
            {
                string answer;
                HostPaths paths = PeerPid(client) is int pid and > 0 ? HostPaths.OfPeer(pid) : _hostPaths;
                if (await ReadRoot(client, paths, timeout.Token).ConfigureAwait(false) is { } root)
                {
                    var pending = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _requests.Enqueue((paths.Of(root), pending));
                    answer = await pending.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    Interlocked.Increment(ref _malformed);
                    answer = "error: expected 'attach ROOTFS' or 'state' and an OCI state";
                }
                await client.SendAsync(Encoding.UTF8.GetBytes(answer + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _malformed);
                await TrySend(client, $"error: {e.Message}", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The hook stopped waiting, or we are stopping.
            }
        }
    }

    private static async Task TrySend(Socket client, string line, CancellationToken cancellation)
    {
        try
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(line.ReplaceLineEndings(" ") + "\n"), SocketFlags.None, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// The root filesystem (a host path) a request names: <c>attach ROOTFS</c> (the .NET <c>probes hook</c>)
    /// or <c>state</c> and the OCI state up to the end of the stream (<c>probes-hook</c>, which
    /// leaves the parsing to us); null for anything else.
    /// </summary>
    /// <summary>The connecting process's pid (SO_PEERCRED: struct ucred's first field), or null.</summary>
    private static int? PeerPid(Socket client)
    {
        Span<byte> credentials = stackalloc byte[12];
        try
        {
            const int SolSocket = 1, SoPeerCred = 17;
            return client.GetRawSocketOption(SolSocket, SoPeerCred, credentials) >= 4 ? BitConverter.ToInt32(credentials) : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private async Task<string?> ReadRoot(Socket client, HostPaths paths, CancellationToken cancellation)
    {
        var buffer = new byte[MaxLine];
        int length = 0;
        int newline = -1;
        while (newline < 0 && length < buffer.Length)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellation).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
        }
        if (newline < 0)
        {
            return null;
        }
        string line = Encoding.UTF8.GetString(buffer, 0, newline);
        if (line.StartsWith("attach /", StringComparison.Ordinal))
        {
            return line["attach ".Length..];
        }
        if (line != "state")
        {
            return null;
        }
        using var state = new MemoryStream();
        state.Write(buffer, newline + 1, length - newline - 1);
        while (true)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(), SocketFlags.None, cancellation).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            if (state.Length + read > OciContainerState.MaxStateBytes)
            {
                throw new InvalidDataException($"the container state is longer than {OciContainerState.MaxStateBytes} bytes");
            }
            state.Write(buffer, 0, read);
        }
        return OciContainerState.RootFilesystem(state.ToArray(), paths.Of);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _socket.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
        while (_requests.TryDequeue(out var request))
        {
            request.Answer.TrySetResult("error: agent stopping");
        }
        _stopping.Dispose();
    }
}
