using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Probes.Consumer.Usdt;

using Probes.Consumer.Tracing.Discovery;

namespace Probes.Consumer.Cli;

/// <summary>
/// One JSON array, one object per probe. <c>pc</c>, <c>base</c> and <c>semaphore</c> are the raw
/// note values as numbers (0 when there is no semaphore), <c>args</c> the spec string as stored;
/// <c>pc_offset</c> and <c>semaphore_offset</c> are file offsets. Process targets add
/// <c>pid</c> and <c>host_path</c>, container targets <c>container</c>. A probe whose
/// arguments do not all decode carries <c>argument_errors</c> (<c>index</c>, <c>spec</c>,
/// <c>error</c>; index -1 for the spec as a whole). Verbose adds <c>arguments</c>: each
/// decoded (<c>spec</c>, <c>kind</c>, <c>size</c>, <c>signed</c>, registers, <c>displacement</c>
/// or <c>value</c>, <c>symbol</c> with <c>symbol_value</c>, ...) or <c>spec</c> and <c>error</c>.
/// </summary>
public sealed class JsonProbeRenderer(bool verbose) : IProbeRenderer
{
    public void Render(IReadOnlyList<ListedProbe> probes, CliConsole console)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (ListedProbe listed in probes)
            {
                WriteProbe(json, listed);
            }
            json.WriteEndArray();
        }
        console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private void WriteProbe(Utf8JsonWriter json, ListedProbe listed)
    {
        UsdtProbe probe = listed.Probe;
        json.WriteStartObject();
        json.WriteString("file", listed.File.Path);
        json.WriteString("provider", probe.Provider);
        json.WriteString("name", probe.Name);
        json.WriteNumber("pc", probe.Pc);
        json.WriteNumber("base", probe.Base);
        json.WriteNumber("semaphore", probe.Semaphore);
        json.WriteString("args", probe.Arguments);
        json.WriteNumber("pc_offset", probe.PcOffset);
        json.WriteNumber("semaphore_offset", probe.SemaphoreOffset);
        if (listed.File.Pid is { } pid)
        {
            json.WriteNumber("pid", pid);
            json.WriteString("host_path", listed.File.HostPath);
        }
        if (listed.File.ContainerId is { } container)
        {
            json.WriteString("container", container);
        }
        if (!listed.IsTraceable)
        {
            json.WriteStartArray("argument_errors");
            foreach (UsdtArgumentError error in listed.ArgumentErrors)
            {
                json.WriteStartObject();
                json.WriteNumber("index", error.Index);
                json.WriteString("spec", error.Spec);
                json.WriteString("error", error.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (verbose)
        {
            json.WriteStartArray("arguments");
            foreach ((int index, string spec, UsdtArgument? argument, UsdtArgumentError? error) in listed.EveryArgument().Where(a => a.Index >= 0))
            {
                if (argument is not null)
                {
                    WriteArgument(json, argument);
                }
                else
                {
                    json.WriteStartObject();
                    json.WriteString("spec", spec);
                    json.WriteString("error", error!.Reason);
                    json.WriteEndObject();
                }
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    private static void WriteArgument(Utf8JsonWriter json, UsdtArgument argument)
    {
        json.WriteStartObject();
        json.WriteString("spec", argument.Spec);
        json.WriteString("kind", argument.Kind.ToString());
        json.WriteNumber("size", argument.Size);
        json.WriteBoolean("signed", argument.IsSigned);
        if (argument.Base != X86Register.None)
        {
            json.WriteString("base", X86RegisterNames.Name(argument.Base));
        }
        if (argument.Index != X86Register.None)
        {
            json.WriteString("index", X86RegisterNames.Name(argument.Index));
            json.WriteNumber("scale", argument.Scale);
        }
        json.WriteNumber(argument.Kind == UsdtArgumentKind.Constant ? "value" : "displacement", argument.Displacement);
        if (argument.Symbol is not null)
        {
            json.WriteString("symbol", argument.Symbol);
            if (argument.Relocation == UsdtSymbolRelocation.ThreadPointerOffset)
            {
                json.WriteBoolean("tpoff", true);
            }
            if (argument.SymbolValue is ulong value)
            {
                json.WriteNumber("symbol_value", value);
            }
        }
        if (argument.Segment != X86Segment.None)
        {
            json.WriteString("segment", argument.Segment.ToString().ToLowerInvariant());
        }
        if (argument.RegisterBitOffset != 0)
        {
            json.WriteNumber("bit_offset", argument.RegisterBitOffset);
        }
        if (argument.IsFloat)
        {
            json.WriteBoolean("float", true);
        }
        json.WriteString("description", UsdtArgumentText.Describe(argument));
        json.WriteEndObject();
    }
}
