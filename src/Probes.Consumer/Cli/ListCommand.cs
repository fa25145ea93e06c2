using System.CommandLine;
using Probes.Consumer.Output.Listings;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Tracing.Resolution;

namespace Probes.Consumer.Cli;

/// <summary>
/// <c>probes list FILE | --pid PID | --container NAME_OR_ID</c>: the USDT probes of an ELF
/// file, of every ELF file a process maps, or of every process of a container.
/// </summary>
public static class ListCommand
{
    public static Command Create(CliConsole console)
    {
        TargetOptions target = TargetOptions.ForListing();
        var phases = new Option<bool>("--phases")
        {
            Description = "List the phases declared by .NET assemblies woven with Probes (FILE or --pid) instead of USDT probes. A .NET FILE implies it.",
        };
        var command = new Command("list", "List USDT (stapsdt) probes in a file, a process or a container, or the phases woven .NET assemblies declare.");
        target.AddTo(command);
        command.Options.Add(phases);

        // Failures propagate to ProbesCli.Run, which reports every verb's errors the same way.
        command.SetAction(parseResult =>
        {
            TargetRequest request = target.Request(parseResult);
            // A FILE needs nothing but its permissions; a process or container needs ptrace read access.
            if (request.File is null)
            {
                var privileges = PrivilegeCheck.Current();
                privileges.Demand("probes list", tracing: false, privileges.ReasonFor(request));
            }
            bool json = parseResult.GetValue(CommonOptions.Json);
            var diagnostics = new ConsoleDiagnostics(console, parseResult.GetValue(CommonOptions.Verbose));
            bool wantPhases = parseResult.GetValue(phases) || (request.File is { } file && IsManagedAssembly(file));
            if (!wantPhases)
            {
                return (int)Execute(parseResult, console, request, diagnostics);
            }
            if (request.File is null && request.Pid is null)
            {
                throw new UsageException("--phases lists the phases of an assembly FILE or of a process (--pid)");
            }
            PhaseManifestRenderer.Render(request.File is { } assembly ? PhaseManifests.OfFile(assembly) : PhaseManifests.OfProcess(request.Pid!.Value, diagnostics), json, console.Out, diagnostics);
            return (int)ExitCode.Success;
        });
        return command;
    }

    /// <summary>
    /// A PE file (MZ) is a .NET assembly candidate; ELF files keep the probe listing. Opened the
    /// way every target is (non-blocking, regular files only), so a FIFO cannot hang us here.
    /// </summary>
    private static bool IsManagedAssembly(string file)
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = TargetFileOpener.Open(new TargetFile(file, file));
            Span<byte> magic = stackalloc byte[2];
            return RandomAccess.Read(handle, magic, 0) == 2 && magic[0] == (byte)'M' && magic[1] == (byte)'Z';
        }
        catch (Exception e) when (e is ProbesException or IOException or UnauthorizedAccessException)
        {
            return false; // the probe listing reports the problem in its own words
        }
    }

    private static ExitCode Execute(ParseResult parseResult, CliConsole console, TargetRequest request, ConsoleDiagnostics diagnostics)
    {
        bool verbose = parseResult.GetValue(CommonOptions.Verbose);
        bool json = parseResult.GetValue(CommonOptions.Json);
        var discovery = new ProbeDiscovery(diagnostics);
        IReadOnlyList<ListedProbe> probes = request.Pid is { } processId ? discovery.ListProcess(processId)
            : request.Containers is [string container] ? discovery.ListContainer(container)
            : discovery.ListFile(request.File!);

        IProbeRenderer renderer = json ? new JsonProbeRenderer(verbose) : new TextProbeRenderer(verbose);
        renderer.Render(probes, console.Out, diagnostics);
        if (probes.Count == 0 && !json)
        {
            console.WriteNote("no USDT probes found");
        }
        return ExitCode.Success;
    }
}
