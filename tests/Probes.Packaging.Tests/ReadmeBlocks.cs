namespace Probes.Packaging.Tests;

/// <summary>
/// The README's fenced blocks that a test runs as they are. A block is marked by an HTML
/// comment on the line before its fence, <c>&lt;!-- tested: NAME ... --&gt;</c>, which GitHub
/// does not render; so the README and what the tests run cannot drift apart.
/// </summary>
internal static class ReadmeBlocks
{
    private const string Fence = "```";

    public static string Path => System.IO.Path.Combine(RepoPaths.Root, "README.md");

    /// <summary>The text between the fences of the block marked <paramref name="name"/>, with a final newline.</summary>
    public static string Get(string name)
    {
        string[] lines = File.ReadAllLines(Path);
        string marker = $"<!-- tested: {name}";
        int[] marked = Enumerable.Range(0, lines.Length)
            .Where(i => lines[i].StartsWith(marker, StringComparison.Ordinal) && (lines[i].Length == marker.Length || lines[i][marker.Length] is ' ' or '-'))
            .ToArray();
        Assert.HasCount(1, marked, $"README.md must mark exactly one block '{name}' (a line starting with '{marker}' right before its fence)");
        int open = marked[0] + 1;
        Assert.IsTrue(open < lines.Length && lines[open].StartsWith(Fence, StringComparison.Ordinal), $"README.md: the line after the marker '{name}' must open a fenced block");
        int close = Array.FindIndex(lines, open + 1, line => line.StartsWith(Fence, StringComparison.Ordinal));
        Assert.IsTrue(close > open, $"README.md: the block '{name}' is not closed");
        return string.Join('\n', lines[(open + 1)..close]) + "\n";
    }

    /// <summary>The lines of a block up to and including the first that contains <paramref name="last"/>.</summary>
    public static string Through(string block, string last)
    {
        string[] lines = block.Split('\n');
        int end = Array.FindIndex(lines, line => line.Contains(last, StringComparison.Ordinal));
        Assert.IsTrue(end >= 0, $"no line with '{last}' in:\n{block}");
        return string.Join('\n', lines[..(end + 1)]) + "\n";
    }
}
