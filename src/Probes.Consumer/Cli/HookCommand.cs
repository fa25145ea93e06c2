using System.CommandLine;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Probes.Consumer.Agent;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes hook</c>: an OCI hook (podman's hooks.d, stage prestart or createRuntime). It reads
/// the container's state from stdin (its bundle), the bundle's config.json (the root filesystem's
/// path on the host), asks the agent on its socket to attach to the shim in that root filesystem,
/// and waits for the answer, at most 2 s in all. It never fails or blocks a container's start:
/// whatever goes wrong (no agent, a slow agent, a state it cannot read), it exits 0, says why in one
/// line on stderr, and the container starts; the agent counts what it answered. The native
/// <c>probes-hook</c> (native/probes-hook.c) does the same without .NET's start-up time.
/// </summary>
public static class HookCommand
{
    public const string DefaultSocket = "/run/probes/agent.sock";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    public static Command Create(CliConsole console)
    {
        var socket = new Option<string>("--socket")
        {
            Description = $"The agent's hook socket (default {DefaultSocket}; the agent's --hook-socket).",
            DefaultValueFactory = _ => DefaultSocket,
        };
        var command = new Command("hook", "OCI hook: tell the agent about a container before it runs (always exits 0).");
        command.Options.Add(socket);
        command.SetAction(parse =>
        {
            using var budget = new CancellationTokenSource(Budget);
            try
            {
                string root = RootFilesystem(Console.OpenStandardInput());
                string answer = Ask(parse.GetValue(socket) ?? DefaultSocket, root, budget.Token);
                if (answer != "attached" && answer != "served")
                {
                    console.WriteNote($"hook: the agent answered '{answer}' for {root}");
                }
            }
            catch (Exception e) when (e is IOException or JsonException or SocketException or OperationCanceledException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                console.WriteWarning($"hook: {(e is OperationCanceledException ? "the agent did not answer within 2 s" : e.Message)}; the container starts untraced until the agent's next scan");
            }
            return (int)ExitCode.Success; // never fail a container's start
        });
        return command;
    }

    private static string RootFilesystem(Stream stdin) =>
        OciContainerState.RootFilesystem(OciContainerState.ReadBounded(stdin, OciContainerState.MaxStateBytes, "the container state on stdin"), path => path);

    private static string Ask(string socketPath, string root, CancellationToken cancellation)
    {
        if (root.Contains('\n', StringComparison.Ordinal))
        {
            throw new InvalidDataException("the root filesystem's path has a line feed");
        }
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellation).AsTask().GetAwaiter().GetResult();
        socket.SendAsync(Encoding.UTF8.GetBytes($"attach {root}\n"), SocketFlags.None, cancellation).AsTask().GetAwaiter().GetResult();
        var buffer = new byte[512];
        int length = 0;
        while (length < buffer.Length)
        {
            int read = socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellation).AsTask().GetAwaiter().GetResult();
            if (read == 0)
            {
                break;
            }
            length += read;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) is int newline and >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, newline);
            }
        }
        return Encoding.UTF8.GetString(buffer, 0, length).Trim();
    }
}
