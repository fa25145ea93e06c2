using System.Text.RegularExpressions;

namespace Probes.Consumer.Tests.Architecture;

/// <summary>
/// The consumer's layers, bottom first, as DESIGN.md lists them: the one place the order is
/// written, so the document and <see cref="LayeringTests"/> cannot disagree. The list follows
/// the line <see cref="Marker"/>; each item is <c>- `NAMESPACE`: why</c>. The first item is the
/// assembly's root namespace and holds only the types directly in it; every other item also
/// holds its sub-namespaces (<c>Probes.Consumer.Bpf.Ring</c> is in <c>Probes.Consumer.Bpf</c>).
/// </summary>
internal sealed partial class LayerOrder
{
    public const string Marker = "<!-- consumer layers, bottom first (read by tests/Probes.Consumer.Tests/Architecture/LayeringTests.cs) -->";

    private LayerOrder(IReadOnlyList<string> namespaces) => Namespaces = namespaces;

    /// <summary>The layers' namespaces, bottom first.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    public static LayerOrder FromDesign() => Parse(File.ReadAllLines(Path.Combine(RepoPaths.Root, "DESIGN.md")));

    public static LayerOrder Parse(IReadOnlyList<string> lines)
    {
        int start = lines.ToList().FindIndex(line => line.Trim() == Marker);
        if (start < 0)
        {
            Assert.Fail($"DESIGN.md has no line {Marker}");
        }
        var namespaces = lines.Skip(start + 1)
            .Select(line => Item().Match(line))
            .TakeWhile(match => match.Success)
            .Select(match => match.Groups["namespace"].Value)
            .ToList();
        Assert.IsTrue(namespaces.Count >= 2, "DESIGN.md lists fewer than two layers after the marker");
        Assert.AreEqual(namespaces.Count, namespaces.Distinct(StringComparer.Ordinal).Count(), "a layer is listed twice");
        return new LayerOrder(namespaces);
    }

    /// <summary>The position of the layer that holds <paramref name="space"/>, or -1 when no listed namespace contains it.</summary>
    public int IndexOf(string space)
    {
        int best = -1;
        for (int i = 0; i < Namespaces.Count; i++)
        {
            string layer = Namespaces[i];
            bool contains = space == layer || (i > 0 && space.StartsWith(layer + ".", StringComparison.Ordinal));
            if (contains && (best < 0 || layer.Length > Namespaces[best].Length))
            {
                best = i;
            }
        }
        return best;
    }

    [GeneratedRegex(@"^- `(?<namespace>[A-Za-z][\w.]*)`")]
    private static partial Regex Item();
}
