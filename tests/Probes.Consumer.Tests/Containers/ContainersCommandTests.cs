using System.CommandLine;
using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Containers;
using Spectre.Console.Testing;

namespace Probes.Consumer.Tests.Containers;

/// <summary><c>probes containers</c> output, exact, against fixed containers and a fake console.</summary>
[TestClass]
public sealed class ContainersCommandTests
{
    private const string WebId = "b6e13a7a243dc62673dc100db736b7fe6778beec646f9c3cb356ce3e4801809e";

    private static readonly HostContainer[] Two =
    [
        new(new ContainerMetadata(WebId, ContainerRuntime.Podman, "web-1", "localhost/probes-sample:latest"), [6558, 6570], 6558, 4026532180, 4026532177, "/app/runtimes/linux-x64/native/libprobes.so"),
        new(new ContainerMetadata(ContainerSamples.Containerd, ContainerRuntime.Containerd, "orders", "registry.example.com/shop/orders:2.0.1", "orders-5b8c9d7f6-k7m2p", "shop"), [61544], 61544, null, null, null),
    ];

    [TestMethod]
    public void Text_is_the_one_table_style_with_short_ids_and_dashes_for_unknown()
    {
        (int exit, string stdout, string stderr) = Run(Two, "containers");

        Assert.AreEqual(0, exit, stderr);
        // Spectre pads every cell to its column; the comparison ignores the padding after the last one.
        Assert.AreEqual(
            """

              ID             NAME     IMAGE                                    RUNTIME      PID     PIDNS        MNTNS        POD                           PROBES
            ─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
              b6e13a7a243d   web-1    localhost/probes-sample:latest           podman       6558    4026532180   4026532177   -                             /app/runtimes/linux-x64/native/libprobes.so
              4e5f60718293   orders   registry.example.com/shop/orders:2.0.1   containerd   61544   -            -            shop/orders-5b8c9d7f6-k7m2p   -


            """.ReplaceLineEndings("\n"),
            string.Join("\n", stdout.ReplaceLineEndings("\n").Split('\n').Select(line => line.TrimEnd(' '))));
        Assert.AreEqual("", stderr);
    }

    [TestMethod]
    public void The_table_goes_to_the_terminal_console_the_cli_wired()
    {
        var terminal = new TestConsole().Width(400);
        var console = new CliConsole(TextWriter.Null, new StringWriter()) { Terminal = terminal };
        var root = new RootCommand();
        root.Options.Add(CommonOptions.Json);
        root.Subcommands.Add(ContainersCommand.Create(console, () => Two));

        Assert.AreEqual(0, root.Parse(["containers"]).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
        string row = terminal.Lines.Single(line => line.Contains("web-1", StringComparison.Ordinal));
        StringAssert.Contains(row, "b6e13a7a243d");
        StringAssert.Contains(row, "/app/runtimes/linux-x64/native/libprobes.so");
    }

    [TestMethod]
    public void Json_has_full_ids_numbers_as_numbers_and_nulls_for_unknown()
    {
        (int exit, string stdout, _) = Run(Two, "containers", "--json");

        Assert.AreEqual(0, exit);
        Assert.AreEqual(
            $$"""
            [
              {
                "id": "{{WebId}}",
                "name": "web-1",
                "image": "localhost/probes-sample:latest",
                "runtime": "podman",
                "pid": 6558,
                "pid_namespace": 4026532180,
                "mount_namespace": 4026532177,
                "loads_probes": true,
                "probes_library": "/app/runtimes/linux-x64/native/libprobes.so",
                "pod": null,
                "pod_namespace": null
              },
              {
                "id": "{{ContainerSamples.Containerd}}",
                "name": "orders",
                "image": "registry.example.com/shop/orders:2.0.1",
                "runtime": "containerd",
                "pid": 61544,
                "pid_namespace": null,
                "mount_namespace": null,
                "loads_probes": false,
                "probes_library": null,
                "pod": "orders-5b8c9d7f6-k7m2p",
                "pod_namespace": "shop"
              }
            ]

            """.ReplaceLineEndings("\n"),
            stdout.ReplaceLineEndings("\n"));
    }

    [TestMethod]
    public void No_containers_is_an_empty_array_in_json_and_a_note_in_text()
    {
        Assert.AreEqual("[]", Run([], "containers", "--json").Stdout.Trim());
        (int exit, string stdout, string stderr) = Run([], "containers");
        Assert.AreEqual(0, exit);
        Assert.AreEqual("", stdout);
        Assert.AreEqual("probes: no running containers found", stderr.Trim());
    }

    [TestMethod]
    public void Unreadable_proc_is_one_error_line_with_the_privileges_exit_code()
    {
        (int exit, string stdout, string stderr) = Run(() => throw new TargetAccessException("cannot read /proc/42/maps: permission denied (run as root to inspect containers' processes)"), "containers");

        Assert.AreEqual((int)ExitCode.Privileges, exit);
        Assert.AreEqual("", stdout);
        Assert.AreEqual("probes: error: cannot read /proc/42/maps: permission denied (run as root to inspect containers' processes)", stderr.Trim());
    }

    [TestMethod]
    public void The_verb_is_registered_in_the_real_command_line()
    {
        var output = new StringWriter();
        int exit = ProbesCli.Run(["containers", "--help"], new CliConsole(output, new StringWriter()));
        Assert.AreEqual(0, exit);
        StringAssert.Contains(output.ToString(), "List the containers on this host");
    }

    private static (int Exit, string Stdout, string Stderr) Run(IReadOnlyList<HostContainer> containers, params string[] args) => Run(() => containers, args);

    private static (int Exit, string Stdout, string Stderr) Run(Func<IReadOnlyList<HostContainer>> source, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr);
        var root = new RootCommand();
        root.Options.Add(CommonOptions.Json);
        root.Subcommands.Add(ContainersCommand.Create(console, source));
        // The same guard ProbesCli.Run puts around every verb: failures become one line and an exit code.
        int exit = CommandRunner.Run(console, () => (ExitCode)root.Parse(args).Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false }));
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
