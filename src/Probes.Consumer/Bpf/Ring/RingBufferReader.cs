using Probes.Consumer.Bpf.Maps;
using Probes.Consumer.Bpf.Syscalls;

namespace Probes.Consumer.Bpf.Ring;

/// <summary>Receives one ring buffer record; the span is valid only during the call.</summary>
public delegate void RecordHandler(ReadOnlySpan<byte> record);

/// <summary>
/// Reads a BPF_MAP_TYPE_RINGBUF from user space (the kernel's kernel/bpf/ringbuf.c layout):
/// page 0 holds the consumer position (ours, read-write), page 1 the producer position
/// (read-only), then the data area mapped twice in a row so a record that wraps is still
/// contiguous. Each record starts with an 8-byte header: u32 length with the busy bit (31,
/// still being written: stop and wait) and the discard bit (30: skip), then u32 page offset.
/// Records are 8-byte aligned. The producer position is loaded with acquire semantics and the
/// consumer position published with a release store, so the kernel may reuse the space.
/// </summary>
public sealed unsafe class RingBufferReader : IDisposable
{
    public const uint BusyBit = 1u << 31;
    public const uint DiscardBit = 1u << 30;
    public const int HeaderSize = 8;

    private const int ProtRead = 0x1;
    private const int ProtWrite = 0x2;

    private readonly Kernel _kernel;
    private readonly MappedMemory _consumerPage;
    private readonly MappedMemory _producerPages;
    private readonly EpollHandle _epoll;
    private readonly ulong _mask;
    private readonly ulong* _consumerPosition;
    private readonly ulong* _producerPosition;
    private readonly byte* _data;

    public RingBufferReader(Kernel kernel, BpfMap ring)
    {
        if (ring.Type != BpfMapType.RingBuffer)
        {
            throw new ArgumentException($"map '{ring.Name}' is a {ring.Type}, not a ring buffer", nameof(ring));
        }
        _kernel = kernel;
        int page = Environment.SystemPageSize;
        _mask = (ulong)ring.MaxEntries - 1;
        _consumerPage = MappedMemory.Map(kernel.Syscalls, ring.Handle, (nuint)page, ProtRead | ProtWrite, 0, "ring buffer consumer page");
        try
        {
            _producerPages = MappedMemory.Map(kernel.Syscalls, ring.Handle, (nuint)(page + 2L * ring.MaxEntries), ProtRead, page, "ring buffer producer pages");
            int epoll = kernel.Syscalls.EpollCreate(out int errno);
            if (epoll < 0)
            {
                throw Kernel.Failure("epoll_create1", errno);
            }
            _epoll = new EpollHandle(kernel.Syscalls, epoll);
            if (kernel.Syscalls.EpollAddReadable(epoll, ring.Handle.Fd, out errno) < 0)
            {
                throw Kernel.Failure("epoll_ctl(EPOLL_CTL_ADD)", errno);
            }
        }
        catch
        {
            _producerPages?.Dispose();
            _epoll?.Dispose();
            _consumerPage.Dispose();
            throw;
        }
        _consumerPosition = (ulong*)_consumerPage.Address;
        _producerPosition = (ulong*)_producerPages.Address;
        _data = (byte*)_producerPages.Address + page;
        Capacity = ring.MaxEntries;
    }

    /// <summary>Size of the data area in bytes.</summary>
    public int Capacity { get; }

    /// <summary>Records handed out so far.</summary>
    public long RecordsRead { get; private set; }

    /// <summary>Bytes written by the kernel but not yet consumed.</summary>
    public ulong Pending => Volatile.Read(ref *_producerPosition) - Volatile.Read(ref *_consumerPosition);

    /// <summary>Hands out every complete record now in the ring; returns how many. Never blocks.</summary>
    public int Drain(RecordHandler handler)
    {
        int count = 0;
        ulong consumer = Volatile.Read(ref *_consumerPosition);
        while (true)
        {
            ulong producer = Volatile.Read(ref *_producerPosition);
            if (consumer >= producer)
            {
                break;
            }
            byte* header = _data + (consumer & _mask);
            uint length = Volatile.Read(ref *(uint*)header);
            if ((length & BusyBit) != 0)
            {
                // Reserved but not yet submitted: the next poll picks it up (submit wakes us unless told not to).
                break;
            }
            uint size = length & ~(BusyBit | DiscardBit);
            if ((length & DiscardBit) == 0)
            {
                handler(new ReadOnlySpan<byte>(header + HeaderSize, (int)size));
                count++;
            }
            consumer += (size + HeaderSize + 7) & ~7UL;
            Volatile.Write(ref *_consumerPosition, consumer);
        }
        RecordsRead += count;
        return count;
    }

    /// <summary>Waits up to <paramref name="timeoutMilliseconds"/> for a wake-up, then drains; returns records handed out.</summary>
    public int Poll(RecordHandler handler, int timeoutMilliseconds)
    {
        int count = Drain(handler);
        if (count > 0)
        {
            return count;
        }
        bool added = false;
        _epoll.DangerousAddRef(ref added);
        try
        {
            int ready = _kernel.Syscalls.EpollWait(_epoll.Fd, timeoutMilliseconds, out int errno);
            if (ready < 0 && errno != Errno.EINTR)
            {
                throw Kernel.Failure("epoll_wait", errno);
            }
        }
        finally
        {
            if (added)
            {
                _epoll.DangerousRelease();
            }
        }
        return Drain(handler);
    }

    /// <summary>
    /// Polls until <paramref name="cancellationToken"/> fires, waking at least every
    /// <paramref name="pollIntervalMilliseconds"/> (needed when producers submit without
    /// wake-ups), then drains what is left. Returns the records handed out.
    /// </summary>
    public long Run(RecordHandler handler, CancellationToken cancellationToken, int pollIntervalMilliseconds = 100)
    {
        long total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            total += Poll(handler, pollIntervalMilliseconds);
        }
        total += Drain(handler);
        return total;
    }

    public void Dispose()
    {
        _epoll.Dispose();
        _producerPages.Dispose();
        _consumerPage.Dispose();
    }
}
