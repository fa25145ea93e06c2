using System.Text;
using Probes.Consumer.Agent;

namespace Probes.Consumer.Tests.Agent;

[TestClass]
public sealed class LabelValueTests
{
    [TestMethod]
    public void Backslash_quote_and_line_feed_are_escaped_and_nothing_else()
    {
        var output = new StringBuilder();
        LabelValue.AppendEscaped(output, "a\\b\"c\nd\te}{,=");
        Assert.AreEqual("a\\\\b\\\"c\\nd\te}{,=", output.ToString());
    }

    [TestMethod]
    public void Long_values_are_cut_to_the_bound_on_a_character_boundary()
    {
        // The cut falls between the emoji's two halves: it goes whole.
        string cut = LabelValue.Bound(new string('x', 126) + "😀" + new string('y', 50));
        Assert.AreEqual(new string('x', 126) + "…", cut);
        Assert.EndsWith("…", cut);
        Assert.IsFalse(cut.Any(char.IsSurrogate), "the emoji's pair was not split");
        Assert.AreEqual("short", LabelValue.Bound("short"));
    }

    [TestMethod]
    public void Lone_surrogates_become_replacement_characters_so_the_output_is_valid_UTF_8()
    {
        Assert.AreEqual("a\uFFFDb\uFFFD", LabelValue.Bound("a\uD800b\uDC00"));
        Assert.AreEqual("😀", LabelValue.Bound("😀"));
    }
}
