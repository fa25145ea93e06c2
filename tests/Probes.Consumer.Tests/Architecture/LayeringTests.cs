namespace Probes.Consumer.Tests.Architecture;

/// <summary>
/// The consumer's layers are strictly ordered: a type may use types of its own layer and of
/// the layers before it in DESIGN.md's list (<see cref="LayerOrder"/>), never of a later one.
/// Read from the compiled probes.dll, so every use the compiler kept counts (<see cref="TypeReferences"/>).
/// </summary>
[TestClass]
public sealed class LayeringTests
{
    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlySet<string>>> Consumer =
        new(() => TypeReferences.Of(typeof(ProbesException).Assembly.Location));

    [TestMethod]
    public void No_type_uses_a_type_of_a_later_layer()
    {
        LayerOrder order = LayerOrder.FromDesign();
        var upward = new List<string>();
        foreach ((string user, IReadOnlySet<string> uses) in Consumer.Value)
        {
            int from = order.IndexOf(Namespace(user));
            if (from < 0)
            {
                continue; // compiler-generated; every other type is in a layer (the test below)
            }
            foreach (string used in uses)
            {
                int to = order.IndexOf(Namespace(used));
                if (to > from)
                {
                    upward.Add($"{user} ({order.Namespaces[from]}) uses {used} ({order.Namespaces[to]}, a later layer)");
                }
            }
        }
        upward.Sort(StringComparer.Ordinal);
        Assert.IsEmpty(upward, "layer order (DESIGN.md): " + string.Join(" < ", order.Namespaces) + "\n" + string.Join("\n", upward));
    }

    [TestMethod]
    public void Every_type_of_the_consumer_is_in_a_listed_layer()
    {
        LayerOrder order = LayerOrder.FromDesign();
        var outside = Consumer.Value.Keys
            .Where(type => order.IndexOf(Namespace(type)) < 0 && !IsCompilerGenerated(type))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.IsEmpty(outside, "types in no layer of DESIGN.md's list (add the namespace there):\n" + string.Join("\n", outside));
    }

    [TestMethod]
    public void The_root_layer_holds_only_its_own_namespace_and_a_layer_holds_its_sub_namespaces()
    {
        LayerOrder order = LayerOrder.Parse(
        [
            "text before",
            LayerOrder.Marker,
            "- `Root`: the root",
            "- `Root.Low`: first",
            "- `Root.High`: second",
            "not a layer",
            "- `Root.Ignored`: after the list ended",
        ]);
        CollectionAssert.AreEqual(new[] { "Root", "Root.Low", "Root.High" }, order.Namespaces.ToArray());
        Assert.AreEqual(0, order.IndexOf("Root"));
        Assert.AreEqual(1, order.IndexOf("Root.Low.Deeper"));
        Assert.AreEqual(2, order.IndexOf("Root.High"));
        Assert.AreEqual(-1, order.IndexOf("Root.Unlisted"), "a sub-namespace of the root is not in the root layer");
        Assert.AreEqual(-1, order.IndexOf("Root.LowLevel"));
        Assert.AreEqual(-1, order.IndexOf("Elsewhere"));
    }

    private static string Namespace(string fullName)
    {
        int dot = fullName.LastIndexOf('.');
        return dot < 0 ? "" : fullName[..dot];
    }

    /// <summary>Types the compiler or a source generator adds (<c>&lt;Module&gt;</c>, <c>&lt;PrivateImplementationDetails&gt;</c>, attribute and regex helpers), which belong to no layer.</summary>
    private static bool IsCompilerGenerated(string fullName) =>
        fullName.Split('.')[^1].StartsWith('<')
        || fullName.StartsWith("System.", StringComparison.Ordinal)
        || fullName.StartsWith("Microsoft.CodeAnalysis.", StringComparison.Ordinal);
}
