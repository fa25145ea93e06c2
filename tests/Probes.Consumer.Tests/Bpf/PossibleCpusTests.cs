
using Probes.Consumer.Bpf.Maps;

namespace Probes.Consumer.Tests.Bpf;

[TestClass]
public sealed class PossibleCpusTests
{
    [TestMethod]
    [DataRow("0", 1)]
    [DataRow("0-1\n", 2)]
    [DataRow("0-3,8-11", 12)]
    [DataRow("0,2", 3)]
    public void Count_is_highest_id_plus_one(string list, int expected) => Assert.AreEqual(expected, PossibleCpus.Parse(list));

    [TestMethod]
    public void Garbage_is_rejected() => Assert.ThrowsExactly<FormatException>(() => PossibleCpus.Parse("x-y"));

    [TestMethod]
    public void Per_cpu_slots_are_summed_at_their_8_byte_stride()
    {
        byte[] values = new byte[3 * 8];
        values[0] = 5;
        values[8] = 7;
        values[16] = 1;

        Assert.AreEqual(13UL, BpfMap.SumSlots(values, 8));
    }
}
