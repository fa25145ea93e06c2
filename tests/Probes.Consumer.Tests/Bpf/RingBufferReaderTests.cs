using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Ring;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Tests.Bpf;

/// <summary>
/// The reader against a ring laid out by hand in ordinary memory (the fake mmap hands it out),
/// so busy, discarded and wrapping records are exercised exactly, without a kernel.
/// </summary>
[TestClass]
public sealed unsafe class RingBufferReaderTests
{
    private static readonly int Page = Environment.SystemPageSize;
    private int RingSize => Page;

    private byte* _consumerPage;
    private byte* _producerPages;

    [TestInitialize]
    public void Allocate()
    {
        _consumerPage = (byte*)NativeMemory.AllocZeroed((nuint)Page);
        _producerPages = (byte*)NativeMemory.AllocZeroed((nuint)(Page + 2 * RingSize));
    }

    [TestCleanup]
    public void Free()
    {
        NativeMemory.Free(_consumerPage);
        NativeMemory.Free(_producerPages);
    }

    private ulong ConsumerPosition => *(ulong*)_consumerPage;

    private ulong ProducerPosition { set => *(ulong*)_producerPages = value; }

    private Span<byte> Data => new(_producerPages + Page, 2 * RingSize);

    private (RingBufferReader Reader, BpfMap Ring) Open()
    {
        var fake = new FakeSyscalls
        {
            OnMap = (offset, _) => offset == 0 ? (nint)_consumerPage : (nint)_producerPages,
        };
        var kernel = new Kernel(fake);
        BpfMap ring = BpfMap.CreateRingBuffer(kernel, "fake", RingSize);
        return (new RingBufferReader(kernel, ring), ring);
    }

    /// <summary>Writes a record header (+ payload) at a position, as the kernel lays it out.</summary>
    private void WriteRecord(ulong position, uint length, uint flags, byte fill)
    {
        int at = (int)(position % (ulong)RingSize);
        BinaryPrimitives.WriteUInt32LittleEndian(Data[at..], length | flags);
        // The kernel maps the data area twice, so bytes past the end show up at the start too.
        for (int i = 0; i < length; i++)
        {
            int byteAt = at + RingBufferReader.HeaderSize + i;
            Data[byteAt] = fill;
            Data[byteAt % RingSize] = fill;
        }
    }

    [TestMethod]
    public void Discarded_records_are_skipped_and_a_busy_record_stops_the_reader_until_submitted()
    {
        var (reader, ring) = Open();
        using (ring)
        using (reader)
        {
            WriteRecord(0, 16, 0, 0xaa);                                 // committed: 8 + 16 = 24 bytes
            WriteRecord(24, 8, RingBufferReader.DiscardBit, 0xbb);      // discarded: 16 bytes
            WriteRecord(40, 5, RingBufferReader.BusyBit, 0xcc);         // still being written: 8 + 5 -> 16
            ProducerPosition = 56;
            var seen = new List<byte[]>();

            Assert.AreEqual(1, reader.Drain(r => seen.Add(r.ToArray())));
            Assert.AreEqual(40UL, ConsumerPosition, "stops at the busy record");
            CollectionAssert.AreEqual(Enumerable.Repeat((byte)0xaa, 16).ToArray(), seen[0]);

            WriteRecord(40, 5, 0, 0xcc);                                 // submitted
            Assert.AreEqual(1, reader.Drain(r => seen.Add(r.ToArray())));
            Assert.AreEqual(56UL, ConsumerPosition, "records are 8-byte aligned");
            CollectionAssert.AreEqual(Enumerable.Repeat((byte)0xcc, 5).ToArray(), seen[1]);
            Assert.AreEqual(0, reader.Drain(_ => Assert.Fail("nothing more")));
        }
    }

    [TestMethod]
    public void A_record_that_wraps_the_end_of_the_ring_arrives_whole()
    {
        var (reader, ring) = Open();
        using (ring)
        using (reader)
        {
            ulong start = (ulong)RingSize - 8;                           // header in the last 8 bytes
            *(ulong*)_consumerPage = start;
            WriteRecord(start, 24, 0, 0x5a);
            ProducerPosition = start + 32;
            byte[]? record = null;

            Assert.AreEqual(1, reader.Drain(r => record = r.ToArray()));

            CollectionAssert.AreEqual(Enumerable.Repeat((byte)0x5a, 24).ToArray(), record);
            Assert.AreEqual(start + 32, ConsumerPosition);
        }
    }

    [TestMethod]
    public void Poll_times_out_with_no_records()
    {
        var (reader, ring) = Open();
        using (ring)
        using (reader)
        {
            Assert.AreEqual(0, reader.Poll(_ => Assert.Fail("empty"), 1));
            Assert.AreEqual(0L, reader.RecordsRead);
        }
    }
}
