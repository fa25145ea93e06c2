using System.Buffers.Binary;
using System.Text;
using Probes.Consumer.Bpf;
using Probes.Consumer.Bpf.Ring;

namespace Probes.Consumer.Tests.Bpf;

[TestClass]
public sealed class UsdtRecordTests
{
    [TestMethod]
    public void Layout_places_strings_after_the_arguments_in_index_order()
    {
        var layout = new UsdtRecordLayout(4, [3, 1], 32);

        CollectionAssert.AreEqual(new[] { 1, 3 }, layout.StringArguments.ToArray());
        Assert.AreEqual(56 + 32, layout.StringsOffset);
        Assert.AreEqual(56 + 32, layout.StringOffset(1));
        Assert.AreEqual(56 + 32 + 32, layout.StringOffset(3));
        Assert.AreEqual(-1, layout.StringOffset(0));
        Assert.AreEqual(56 + 32 + 64, layout.Size);
    }

    [TestMethod]
    public void Size_is_8_aligned_and_strings_need_an_existing_argument()
    {
        Assert.AreEqual(72, new UsdtRecordLayout(1, [0], 3).Size); // 56 + 8 + 3 = 67, rounded up
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UsdtRecordLayout(2, [2], 16));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UsdtRecordLayout(13, [], 16));
    }

    [TestMethod]
    public void Decoder_reads_every_field_the_generator_writes()
    {
        var layout = new UsdtRecordLayout(3, [2], 16);
        byte[] bytes = new byte[layout.Size];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.TimestampOffset), 123456789UL);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.TidOffset), (4242UL << 32) | 4243UL);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.ProbeIdOffset), 7);
        bytes[UsdtRecordLayout.ArgumentCountOffset] = 3;
        bytes[UsdtRecordLayout.FlagsOffset] = UsdtRecordLayout.FlagNamespaces;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.PidNamespaceOffset), 4026531836);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.MountNamespaceOffset), 4026531841);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.NamespaceTidOffset), 2);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(UsdtRecordLayout.NamespacePidOffset), 1);
        Encoding.ASCII.GetBytes("worker").CopyTo(bytes, UsdtRecordLayout.CommOffset);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(0)), -5);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(1)), ulong.MaxValue);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(UsdtRecordLayout.ArgumentOffset(2)), 0x7ffd0000);
        Encoding.ASCII.GetBytes("LoadConfig").CopyTo(bytes, layout.StringOffset(2));

        Assert.AreEqual(7u, UsdtRecord.PeekProbeId(bytes));
        UsdtEvent e = new UsdtRecord(bytes, layout).ToEvent();

        Assert.AreEqual(123456789UL, e.TimestampNanoseconds);
        Assert.AreEqual(4242, e.Pid);
        Assert.AreEqual(4243, e.Tid);
        Assert.AreEqual(1, e.NamespacePid);
        Assert.AreEqual(2, e.NamespaceTid);
        Assert.AreEqual(4026531836u, e.PidNamespaceInode);
        Assert.AreEqual(4026531841u, e.MountNamespaceInode);
        Assert.AreEqual("worker", e.Comm);
        Assert.AreEqual(7u, e.ProbeId);
        Assert.AreEqual(-5L, e.SignedArgument(0));
        Assert.AreEqual(ulong.MaxValue, e.Arguments[1]);
        Assert.AreEqual("LoadConfig", e.Strings[2]);
        Assert.IsNull(e.Strings[0]);
    }

    [TestMethod]
    public void Without_the_namespace_flag_namespace_fields_are_null()
    {
        var layout = new UsdtRecordLayout(0, [], 0);
        UsdtEvent e = new UsdtRecord(new byte[layout.Size], layout).ToEvent();

        Assert.IsNull(e.NamespacePid);
        Assert.IsNull(e.PidNamespaceInode);
    }

    [TestMethod]
    public void A_short_record_is_rejected()
    {
        var layout = new UsdtRecordLayout(2, [], 0);

        Assert.ThrowsExactly<BpfException>(() => new UsdtRecord(new byte[layout.Size - 8], layout));
    }

    [TestMethod]
    public void Monotonic_timestamps_map_to_wall_clock_near_now()
    {
        var clock = new MonotonicClock();
        DateTimeOffset wall = clock.ToWallClock((ulong)MonotonicClock.MonotonicNanoseconds());

        Assert.IsTrue((wall - DateTimeOffset.UtcNow).Duration() < TimeSpan.FromMinutes(1), $"{wall} vs {DateTimeOffset.UtcNow}");
    }
}
