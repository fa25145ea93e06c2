using Probes.Consumer.Cli;
using Probes.Consumer.Targets;
using Probes.Consumer.Targets.Files;
using Probes.Consumer.Tracing;
using Probes.Consumer.Tracing.Discovery;
using Probes.Consumer.Usdt;

namespace Probes.Consumer.Tests.Cli;

[TestClass]
public sealed class TraceSelectionTests
{
    private static ListedProbe Site(string provider, string name, string args = "8@%rdi 8@%rsi", string file = "/lib/a.so", ulong pc = 0x1000, ulong semaphore = 0)
    {
        var probe = new UsdtProbe(provider, name, pc, 0, semaphore, args, pc, semaphore == 0 ? 0 : semaphore - 0x1000);
        return new ListedProbe(new TargetFile(file, "/proc/1/root" + file), probe, UsdtArgumentParser.Parse(probe, file));
    }

    [TestMethod]
    [DataRow("python:function__entry", "python", "function__entry", true)]
    [DataRow("python:function__*", "python", "function__return", true)]
    [DataRow("*:throw", "libstdcxx", "throw", true)]
    [DataRow("throw", "libstdcxx", "throw", true)]
    [DataRow("lib*:t?row", "libstdcxx", "throw", true)]
    [DataRow("python:*entry", "python", "function__return", false)]
    [DataRow("py:function__entry", "python", "function__entry", false)]
    [DataRow("*", "anything", "at_all", true)]
    public void Patterns_match_provider_and_name_with_wildcards(string pattern, string provider, string name, bool matches)
        => Assert.AreEqual(matches, ProbePattern.Parse(pattern).Matches(Site(provider, name).Probe));

    [TestMethod]
    [DataRow("a:b:c")]
    [DataRow(":name")]
    [DataRow("provider:")]
    [DataRow("")]
    public void Malformed_selectors_are_refused_with_the_expected_form(string pattern)
    {
        UsdtSpecException e = Assert.ThrowsExactly<UsdtSpecException>(() => ProbePattern.Parse(pattern));
        StringAssert.Contains(e.Message, "PROVIDER:NAME");
    }

    [TestMethod]
    public void Without_probe_selection_our_own_probes_are_chosen_and_their_names_read_as_strings()
    {
        ListedProbe[] found = [Site("probes", "phase_begin", "4@%edi 8@%rsi 8@%rdx 8@%rcx"), Site("probes", "mark", "4@%edi 8@%rsi -8@%rdx"), Site("libc", "setjmp")];
        TracePlan plan = TracePlan.Build(found, [], [], pid: null, "test");
        CollectionAssert.AreEquivalent(new[] { "probes:phase_begin", "probes:mark" }, plan.Probes.Select(p => p.FullName).ToList());
        Assert.IsTrue(plan.Probes.All(p => p.StringArguments.SequenceEqual([1])));
        Assert.IsTrue(plan.Probes.Single(p => p.Name == "mark").IsSigned(2));
        Assert.IsFalse(plan.Probes.Single(p => p.Name == "mark").IsSigned(0));
    }

    [TestMethod]
    public void Without_probe_selection_a_foreign_target_needs_one()
    {
        TargetNotFoundException e = Assert.ThrowsExactly<TargetNotFoundException>(() => TracePlan.Build([Site("python", "line")], [], [], null, "/usr/bin/python3.11"));
        StringAssert.Contains(e.Message, "--probe PROVIDER:NAME");
    }

    private static ListedProbe Undecodable(string provider, string name, ulong pc = 0x4000) => Site(provider, name, "8@%rdi -8@counter(%rip)", pc: pc) with
    {
        ArgumentErrors = [new UsdtArgumentError(1, "-8@counter(%rip)", "symbol 'counter' is not defined in the file (searched .dynsym)")],
    };

    [TestMethod]
    public void A_probe_with_an_undecodable_site_is_skipped_whole_and_named_in_one_line()
    {
        // app:hit has two sites, one of which cannot be decoded: tracing the other alone would count half its hits.
        ListedProbe[] found = [Site("app", "hit", pc: 0x1000), Undecodable("app", "hit", pc: 0x2000), Site("app", "ok", pc: 0x3000), Undecodable("app", "gone")];
        TracePlan plan = TracePlan.Build(found, [ProbePattern.Parse("app:*")], [], null, "/lib/a.so");

        CollectionAssert.AreEqual(new[] { "app:ok" }, plan.Probes.Select(p => p.FullName).ToList());
        Assert.AreEqual(1, plan.SiteCount);
        Assert.AreEqual(
            "skipping 2 selected probe(s) whose arguments cannot be decoded: " +
            "app:hit in /lib/a.so (arg1 '-8@counter(%rip)': symbol 'counter' is not defined in the file (searched .dynsym)); " +
            "app:gone in /lib/a.so (arg1 '-8@counter(%rip)': symbol 'counter' is not defined in the file (searched .dynsym))",
            plan.SkippedSummary);
        Assert.AreEqual(2, plan.Skipped.Single(p => p.Name == "hit").SiteCount);
    }

    [TestMethod]
    public void Nothing_left_to_trace_is_bad_input_naming_each_probe()
    {
        var e = Assert.ThrowsExactly<UsdtSpecException>(() => TracePlan.Build([Undecodable("app", "gone"), Site("app", "unselected")], [ProbePattern.Parse("app:gone")], [], null, "pid 7"));
        Assert.AreEqual("none of the 1 selected probe(s) in pid 7 can be traced, as their arguments cannot be decoded: app:gone in /lib/a.so (arg1 '-8@counter(%rip)': symbol 'counter' is not defined in the file (searched .dynsym))", e.Message);
        Assert.IsNull(TracePlan.Build([Site("app", "ok")], [ProbePattern.Parse("app:*")], [], null, "pid 7").SkippedSummary);
    }

    [TestMethod]
    public void The_load_bias_is_taken_from_the_sites_address_in_the_symbol_tables_layout()
    {
        // A prelinked file: the note's pc is the old address, SiteAddress the corrected one.
        ListedProbe site = Site("app", "hit", "-8@counter(%rip)", pc: 0x1000);
        TracePlan plan = TracePlan.Build([site with { Probe = site.Probe with { SiteAddress = 0x9000 } }], [ProbePattern.Parse("app:hit")], [], null, "x");
        Assert.AreEqual(0x9000UL, plan.Sites().Single().Spec.SiteVirtualAddress);
    }

    [TestMethod]
    public void A_selector_matching_nothing_is_an_error_naming_it()
    {
        TargetNotFoundException e = Assert.ThrowsExactly<TargetNotFoundException>(
            () => TracePlan.Build([Site("python", "line")], [ProbePattern.Parse("python:line"), ProbePattern.Parse("python:nope")], [], null, "pid 7"));
        Assert.AreEqual("no probe matches 'python:nope' in pid 7 ('probes list' shows what there is)", e.Message);
    }

    [TestMethod]
    public void Every_site_of_a_probe_shares_one_probe_id_and_each_site_gets_its_uprobe()
    {
        ListedProbe[] found =
        [
            Site("app", "hit", pc: 0x1000, semaphore: 0x5000),
            Site("app", "hit", pc: 0x2000, semaphore: 0x5000),
            Site("app", "other", pc: 0x3000),
        ];
        TracePlan plan = TracePlan.Build(found, [ProbePattern.Parse("app:*")], [0], pid: 42, "pid 42");
        Assert.AreEqual(2, plan.Probes.Count);
        Assert.AreEqual(3, plan.SiteCount);
        var sites = plan.Sites().ToList();
        Assert.AreEqual(2, sites.Count(s => s.Spec.ProbeId == plan.Probes.Single(p => p.Name == "hit").Id));
        Assert.IsTrue(sites.All(s => s.Target.Pid == 42 && s.Target.Path == "/proc/1/root/lib/a.so"));
        CollectionAssert.AreEquivalent(new ulong[] { 0x1000, 0x2000, 0x3000 }, sites.Select(s => s.Target.FileOffset).ToList());
        Assert.AreEqual(0x4000ul, sites.First(s => s.Target.FileOffset == 0x1000).Target.SemaphoreFileOffset);
        Assert.IsNull(sites.Single(s => s.Target.FileOffset == 0x3000).Target.SemaphoreFileOffset);
        Assert.IsTrue(sites.All(s => s.Spec.StringArguments.SequenceEqual([0])));
    }

    [TestMethod]
    public void A_string_argument_no_selected_probe_has_is_a_usage_error()
    {
        UsageException e = Assert.ThrowsExactly<UsageException>(() => TracePlan.Build([Site("app", "hit")], [ProbePattern.Parse("app:hit")], [5], null, "f"));
        StringAssert.Contains(e.Message, "--str 5");
    }
}
