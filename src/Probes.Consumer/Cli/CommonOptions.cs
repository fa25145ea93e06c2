using System.CommandLine;

namespace Probes.Consumer.Cli;

/// <summary>Options every verb understands, declared once and attached to the root command recursively.</summary>
public static class CommonOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write results as one JSON document on stdout (numbers as numbers) instead of text lines.",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Explain more: decoded probe arguments and file offsets, and (on stderr) which files were skipped and why.",
        Recursive = true,
    };
}
