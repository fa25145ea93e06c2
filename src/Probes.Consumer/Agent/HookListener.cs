using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Probes.Consumer.Agent;

/// <summary>
/// The agent's side of <c>probes hook</c>: a unix socket (mode 0600, so only root may ask) on
/// which the OCI hook sends one line, <c>attach ROOTFS</c>, before the container's process runs.
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

    private HookListener(string path)
    {
        _path = path;
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

    public static HookListener Start(string path) => new(path);

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
                string? line = await ReadLine(client, timeout.Token).ConfigureAwait(false);
                string answer;
                if (line is not null && line.StartsWith("attach /", StringComparison.Ordinal))
                {
                    var pending = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _requests.Enqueue((line["attach ".Length..], pending));
                    answer = await pending.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    Interlocked.Increment(ref _malformed);
                    answer = "error: expected 'attach ROOTFS'";
                }
                await client.SendAsync(Encoding.UTF8.GetBytes(answer + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The hook stopped waiting, or we are stopping.
            }
        }
    }

    private static async Task<string?> ReadLine(Socket client, CancellationToken cancellation)
    {
        var buffer = new byte[MaxLine];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellation).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            int newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, newline);
            }
        }
        return null;
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
