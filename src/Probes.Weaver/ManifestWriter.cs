using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Probes.Weaver;

public sealed partial class ModuleWeaver
{
    /// <summary>The embedded resource that lists the woven phases; read by `probes list`.</summary>
    public const string ManifestResourceName = "Probes.Manifest.json";

    /// <summary>
    /// Writes the manifest of the module's phases as an embedded resource, so a tool can list
    /// them from the file alone (System.Reflection.Metadata, no loading). Shape, version 1:
    /// <code>
    /// { "version": 1, "assembly": "Name",
    ///   "phases": [ { "name": "LoadConfig", "id": 1234, "kind": "sync"|"async",
    ///                 "method": "Ns.Type::Method(Args)", "file": "/src/x.cs" | null, "line": 12 | null } ] }
    /// </code>
    /// </summary>
    private void WriteManifest(List<PhaseMethod> phases)
    {
        var json = new StringBuilder();
        json.Append("{\"version\":1,\"assembly\":").Append(Quote(ModuleDefinition.Assembly.Name.Name)).Append(",\"phases\":[");
        bool firstPhase = true;
        foreach (PhaseMethod phase in phases)
        {
            SequencePoint? source = SourceOf(phase.Method);
            json.Append(firstPhase ? "" : ",")
                .Append("{\"name\":").Append(Quote(phase.Name))
                .Append(",\"id\":").Append(phase.Id.ToString(CultureInfo.InvariantCulture))
                .Append(",\"kind\":").Append(phase.Kind == PhaseKind.Sync ? "\"sync\"" : "\"async\"")
                .Append(",\"method\":").Append(Quote(Describe(phase.Method)))
                .Append(",\"file\":").Append(source is null ? "null" : Quote(source.Document.Url))
                .Append(",\"line\":").Append(source is null ? "null" : source.StartLine.ToString(CultureInfo.InvariantCulture))
                .Append('}');
            firstPhase = false;
        }
        json.Append("]}");

        Resource? old = ModuleDefinition.Resources.FirstOrDefault(r => r.Name == ManifestResourceName);
        if (old is not null)
        {
            ModuleDefinition.Resources.Remove(old);
        }
        ModuleDefinition.Resources.Add(new EmbeddedResource(ManifestResourceName, ManifestResourceAttributes.Public, new UTF8Encoding(false).GetBytes(json.ToString())));
    }

    private static string Describe(MethodDefinition method) =>
        $"{method.DeclaringType.FullName}::{method.Name}({string.Join(",", method.Parameters.Select(p => p.ParameterType.Name))})";

    private static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (char c in text)
        {
            switch (c)
            {
                case '"': quoted.Append("\\\""); break;
                case '\\': quoted.Append("\\\\"); break;
                default:
                    if (c < 0x20)
                    {
                        quoted.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        quoted.Append(c);
                    }
                    break;
            }
        }
        return quoted.Append('"').ToString();
    }
}
