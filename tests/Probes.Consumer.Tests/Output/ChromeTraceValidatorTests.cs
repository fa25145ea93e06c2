using Probes.Consumer.Tests.Support;

namespace Probes.Consumer.Tests.Output;

/// <summary>The validator rejects what Perfetto's importer drops or misbinds, so a passing trace means something.</summary>
[TestClass]
public sealed class ChromeTraceValidatorTests
{
    private const string Names = """
        {"ph":"M","name":"process_name","pid":1,"tid":0,"args":{"name":"p"}},
        {"ph":"M","name":"thread_name","pid":1,"tid":1,"args":{"name":"lane 1"}},
        {"ph":"M","name":"thread_name","pid":1,"tid":2,"args":{"name":"lane 2"}}
        """;

    [TestMethod]
    public void A_nested_trace_with_bound_flows_passes_and_its_arrows_are_known()
    {
        ValidatedTrace trace = ChromeTraceValidator.Validate(Trace("""
            {"ph":"X","name":"parent","pid":1,"tid":1,"ts":0,"dur":10},
            {"ph":"s","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":0},
            {"ph":"X","name":"child","pid":1,"tid":1,"ts":2,"dur":3},
            {"ph":"X","name":"other","pid":1,"tid":2,"ts":1,"dur":3},
            {"ph":"f","bp":"e","id":1,"cat":"c","name":"f","pid":1,"tid":2,"ts":1},
            {"ph":"i","s":"p","name":"mark","pid":1,"tid":1,"ts":4}
            """));
        Assert.AreEqual(3, trace.Slices.Count);
        Assert.AreEqual("parent", trace.Slices.Single(s => s.Name == "child").Enclosing!.Name);
        TraceFlow flow = trace.Flows.Single();
        Assert.AreEqual(("parent", "other"), (flow.From.Name, flow.To.Name));
        Assert.AreEqual(1, trace.Instants.Count);
    }

    [TestMethod]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":10},{"ph":"X","name":"b","pid":1,"tid":1,"ts":5,"dur":10}""", "without nesting", DisplayName = "overlap on one track")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"ts":0}""", "without a non-negative dur", DisplayName = "X without dur")]
    [DataRow("""{"ph":"X","pid":1,"tid":1,"ts":0,"dur":1}""", "no name", DisplayName = "unnamed slice")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":3,"ts":0,"dur":1}""", "has no thread_name", DisplayName = "unnamed track")]
    [DataRow("""{"ph":"X","name":"a","pid":2,"tid":1,"ts":0,"dur":1},{"ph":"M","name":"thread_name","pid":2,"tid":1,"args":{"name":"t"}}""", "no process_name", DisplayName = "unnamed process")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"dur":1}""", "ts missing", DisplayName = "no ts")]
    [DataRow("""{"ph":"Q","name":"a","pid":1,"tid":1,"ts":0}""", "not imported by Perfetto", DisplayName = "unknown phase")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":1},{"ph":"s","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":0}""", "never ends", DisplayName = "flow never ends")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":1},{"ph":"f","bp":"e","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":0}""", "without) its start", DisplayName = "flow end without start")]
    [DataRow("""{"ph":"s","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":0}""", "no slice on track", DisplayName = "flow start on an empty track")]
    [DataRow("""{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":1},{"ph":"s","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":5},{"ph":"X","name":"b","pid":1,"tid":2,"ts":6,"dur":1},{"ph":"f","bp":"e","id":1,"cat":"c","name":"f","pid":1,"tid":2,"ts":6}""", "which ended at", DisplayName = "flow start after its slice ended")]
    [DataRow("""{"ph":"s","cat":"c","name":"f","pid":1,"tid":1,"ts":0}""", "without a numeric or hex id", DisplayName = "flow without id")]
    [DataRow("""{"ph":"M","name":"thread_name","pid":1,"tid":4,"args":{}}""", "without args.name", DisplayName = "metadata without a name")]
    public void Breaking_a_rule_fails_with_the_rule(string events, string rule)
    {
        var failure = Assert.ThrowsExactly<AssertFailedException>(() => ChromeTraceValidator.Validate(Trace(events)));
        StringAssert.Contains(failure.Message, rule);
    }

    [TestMethod]
    public void At_one_time_the_flow_binds_to_the_slice_the_importer_pushed_last()
    {
        // Both slices start at 0 on one track: the importer pushes the longer first, so the flow
        // start at 0 binds to the shorter, inner one whatever the file order says.
        ValidatedTrace trace = ChromeTraceValidator.Validate(Trace("""
            {"ph":"X","name":"outer","pid":1,"tid":1,"ts":0,"dur":10},
            {"ph":"s","id":1,"cat":"c","name":"f","pid":1,"tid":1,"ts":0},
            {"ph":"X","name":"inner","pid":1,"tid":1,"ts":0,"dur":5},
            {"ph":"X","name":"next","pid":1,"tid":2,"ts":1,"dur":1},
            {"ph":"f","bp":"e","id":1,"cat":"c","name":"f","pid":1,"tid":2,"ts":1}
            """));
        Assert.AreEqual("inner", trace.Flows.Single().From.Name);
    }

    private static string Trace(string events) => $$"""{"displayTimeUnit":"ns","traceEvents":[{{Names}},{{events}}]}""";
}
