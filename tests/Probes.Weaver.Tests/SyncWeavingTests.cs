namespace Probes.Weaver.Tests;

[TestClass]
[DoNotParallelize]
public sealed class SyncWeavingTests
{
    private const string Phases = "Scenarios.Sync.SyncPhases";
    private static WovenScenario s_woven = null!;

    [ClassInitialize]
    public static void Weave(TestContext context)
    {
        s_woven = WovenScenario.Weave("Sync");
        Assert.IsEmpty(s_woven.Result.Errors, string.Join("\n", s_woven.Result.Errors.Select(e => e.Text)));
    }

    [TestCleanup]
    public void NothingLeftCurrent() => Assert.IsNull(SpanContext.Current, "a woven method left its phase current");

    [TestMethod]
    public void A_method_is_one_phase_named_Type_Method_that_completes()
    {
        Func<int, int, int> add = s_woven.Method<Func<int, int, int>>(Phases, "Add");
        int sum = 0;
        List<ProbeCall> calls = ShimRecorder.Trace(() => sum = add(2, 3));

        Assert.AreEqual(5, sum);
        Assert.HasCount(2, calls);
        (ProbeCall begin, ProbeCall end) = WovenScenario.Span(calls, "SyncPhases.Add");
        Assert.AreEqual(0ul, begin.Parent);
        Assert.AreEqual(PhaseStatus.Completed, end.Status);
        Assert.AreSame(calls[0], begin);
    }

    [TestMethod]
    public void An_explicit_name_is_used_as_is()
    {
        Action named = s_woven.Method<Action>(Phases, "Named");
        List<ProbeCall> calls = ShimRecorder.Trace(named);
        WovenScenario.Span(calls, "Explicit.Name");
    }

    [TestMethod]
    public void Every_return_path_ends_the_phase_once_and_keeps_the_result()
    {
        Func<int, int> many = s_woven.Method<Func<int, int>>(Phases, "ManyReturns");
        foreach ((int input, int expected) in new[] { (-5, -1), (3, 30), (42, 4200), (50, 51) })
        {
            int result = 0;
            List<ProbeCall> calls = ShimRecorder.Trace(() => result = many(input));
            Assert.AreEqual(expected, result, $"ManyReturns({input})");
            Assert.HasCount(2, calls, $"ManyReturns({input})");
            Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "SyncPhases.ManyReturns").End.Status);
        }
    }

    [TestMethod]
    public void An_exception_leaving_the_method_faults_the_phase_and_still_propagates()
    {
        Action throws = s_woven.Method<Action>(Phases, "Throws");
        InvalidOperationException? caught = null;
        List<ProbeCall> calls = ShimRecorder.Trace(() => caught = Assert.ThrowsExactly<InvalidOperationException>(throws));
        Assert.AreEqual("boom", caught!.Message);
        // The filter only records the status: the original throw site is still on top.
        StringAssert.Contains(caught.StackTrace, "Throws");
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "SyncPhases.Throws").End.Status);
    }

    [TestMethod]
    public void A_caller_exception_filter_runs_before_the_phase_ends_as_without_weaving()
    {
        // With catch-and-rethrow the phase would end before the caller's filter runs; the
        // woven filter declines the exception, so the first pass reaches the caller untouched.
        Action throws = s_woven.Method<Action>(Phases, "Throws");
        bool endedBeforeCallerFilter = true;
        List<ProbeCall> calls = ShimRecorder.Trace(() =>
        {
            ulong start = ShimRecorder.CallCount;
            try
            {
                throws();
            }
            catch (InvalidOperationException) when (Observe(out endedBeforeCallerFilter, start))
            {
            }
        });
        Assert.IsFalse(endedBeforeCallerFilter, "the woven method ended its phase before the caller's filter ran");
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "SyncPhases.Throws").End.Status);

        static bool Observe(out bool ended, ulong start)
        {
            ended = ShimRecorder.CallsSince(start).Any(c => c.IsEnd);
            return true;
        }
    }

    [TestMethod]
    public void OperationCanceledException_ends_the_phase_as_canceled()
    {
        Action cancels = s_woven.Method<Action>(Phases, "Cancels");
        List<ProbeCall> calls = ShimRecorder.Trace(() => Assert.ThrowsExactly<OperationCanceledException>(cancels));
        Assert.AreEqual(PhaseStatus.Canceled, WovenScenario.Span(calls, "SyncPhases.Cancels").End.Status);
    }

    [TestMethod]
    public void A_method_that_never_returns_normally_is_faulted()
    {
        Func<int, int> never = s_woven.Method<Func<int, int>>(Phases, "NeverReturns");
        List<ProbeCall> calls = ShimRecorder.Trace(() => Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => never(3)));
        Assert.AreEqual(PhaseStatus.Faulted, WovenScenario.Span(calls, "SyncPhases.NeverReturns").End.Status);
    }

    [TestMethod]
    public void An_exception_handled_inside_the_method_does_not_fault_it()
    {
        Func<int> swallows = s_woven.Method<Func<int>>(Phases, "Swallows");
        int result = 0;
        List<ProbeCall> calls = ShimRecorder.Trace(() => result = swallows());
        Assert.AreEqual(7, result);
        Assert.AreEqual(PhaseStatus.Completed, WovenScenario.Span(calls, "SyncPhases.Swallows").End.Status);
    }

    private delegate bool ParseCounting(string text, out int value, ref int calls);

    [TestMethod]
    public void Out_and_ref_parameters_keep_working()
    {
        ParseCounting parse = s_woven.Method<ParseCounting>(Phases, "ParseCounting");
        int value = 0, counter = 5;
        bool parsed = false;
        List<ProbeCall> calls = ShimRecorder.Trace(() => parsed = parse("123", out value, ref counter));
        Assert.IsTrue(parsed);
        Assert.AreEqual(123, value);
        Assert.AreEqual(6, counter);
        WovenScenario.Span(calls, "SyncPhases.ParseCounting");
    }

    private delegate ref int FirstSlot(int[] values);

    [TestMethod]
    public void A_ref_return_still_refers_to_the_same_storage()
    {
        FirstSlot first = s_woven.Method<FirstSlot>(Phases, "FirstSlot");
        int[] values = [1, 2];
        List<ProbeCall> calls = ShimRecorder.Trace(() => first(values) = 99);
        Assert.AreEqual(99, values[0]);
        WovenScenario.Span(calls, "SyncPhases.FirstSlot");
    }

    [TestMethod]
    public void Generic_methods_and_methods_of_generic_types_are_phases()
    {
        Type phases = s_woven.Type(Phases);
        Func<string, string> echo = phases.GetMethod("Echo")!.MakeGenericMethod(typeof(string)).CreateDelegate<Func<string, string>>();
        Func<int, int> echoInt = phases.GetMethod("Echo")!.MakeGenericMethod(typeof(int)).CreateDelegate<Func<int, int>>();
        object box = Activator.CreateInstance(s_woven.Type("Scenarios.Sync.Box`1").MakeGenericType(typeof(int)), 17)!;
        Func<int> get = box.GetType().GetMethod("Get")!.CreateDelegate<Func<int>>(box);

        List<ProbeCall> calls = ShimRecorder.Trace(() =>
        {
            Assert.AreEqual("x", echo("x"));
            Assert.AreEqual(4, echoInt(4));
            Assert.AreEqual(17, get());
        });
        Assert.AreEqual(2, calls.Count(c => c.IsBegin && c.Name == "SyncPhases.Echo"));
        WovenScenario.Span(calls, "Box.Get");
    }

    [TestMethod]
    public void Constructors_are_phases_that_begin_after_the_base_or_chained_call()
    {
        Type built = s_woven.Type("Scenarios.Sync.Built");
        object? instance = null;
        List<ProbeCall> calls = ShimRecorder.Trace(() => instance = Activator.CreateInstance(built));
        Assert.AreEqual(4, built.GetProperty("Size")!.GetValue(instance));
        // this(0) runs as its own phase, and ends before the chaining constructor's phase begins.
        CollectionAssert.AreEqual(new[] { "B Built.ctor", "E Built.ctor", "B Built.Default", "E Built.Default" },
            calls.Select(c => $"{(c.IsBegin ? "B" : "E")} {c.Name}").ToArray());

        Type point = s_woven.Type("Scenarios.Sync.Point");
        calls = ShimRecorder.Trace(() => instance = Activator.CreateInstance(point, 3));
        Assert.AreEqual(3, point.GetProperty("X")!.GetValue(instance));
        WovenScenario.Span(calls, "Point.ctor");
    }

    [TestMethod]
    public void Nested_phases_have_the_enclosing_phase_as_parent()
    {
        Func<int> outer = s_woven.Method<Func<int>>(Phases, "Outer");
        List<ProbeCall> calls = ShimRecorder.Trace(() => outer());
        (ProbeCall outerBegin, ProbeCall outerEnd) = WovenScenario.Span(calls, "SyncPhases.Outer");
        (ProbeCall innerBegin, ProbeCall innerEnd) = WovenScenario.Span(calls, "SyncPhases.Inner");
        Assert.AreEqual(outerBegin.Span, innerBegin.Parent);
        Assert.IsTrue(calls.IndexOf(innerEnd) < calls.IndexOf(outerEnd), "the inner phase must end first");
    }

    [TestMethod]
    public void The_attribute_on_a_class_makes_its_public_methods_phases()
    {
        Type serviceType = s_woven.Type("Scenarios.Sync.Service");
        object service = Activator.CreateInstance(serviceType)!;
        List<ProbeCall> calls = ShimRecorder.Trace(() =>
        {
            serviceType.GetMethod("Start")!.CreateDelegate<Action>(service)();
            serviceType.GetMethod("Stop")!.CreateDelegate<Func<int>>(service)();
            serviceType.GetMethod("NotPublic", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.CreateDelegate<Action>(service)();
            _ = serviceType.GetProperty("Calls")!.GetValue(service);
            Assert.AreEqual(111, ((IEnumerable<int>)serviceType.GetMethod("Items")!.Invoke(service, null)!).Single());
            Assert.AreEqual("ok", s_woven.Method<Func<string>>("Scenarios.Sync.Endpoints", "Get")());
        });
        CollectionAssert.AreEquivalent(new[] { "Service.Start", "Service.Stop", "Api.Get" },
            calls.Where(c => c.IsBegin).Select(c => c.Name).ToArray());
    }

    [TestMethod]
    public void Without_a_tracer_a_woven_method_makes_no_probe_call_and_leaves_no_span()
    {
        Func<int, int, int> add = s_woven.Method<Func<int, int, int>>(Phases, "Add");
        Action throws = s_woven.Method<Action>(Phases, "Throws");
        ulong before = ShimRecorder.CallCount;
        Assert.AreEqual(5, add(2, 3));
        Assert.ThrowsExactly<InvalidOperationException>(throws);
        Assert.AreEqual(before, ShimRecorder.CallCount);
    }
}
