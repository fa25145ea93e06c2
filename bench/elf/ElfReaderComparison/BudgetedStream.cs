namespace ElfReaderComparison;

/// <summary>
/// A read-only stream that counts what is read through it and fails once more than
/// <see cref="Budget"/> bytes have been read: the cap a wrapper would put under a parsing
/// library it does not trust.
/// </summary>
public sealed class BudgetedStream(Stream inner, long budget) : Stream
{
    public long Budget { get; } = budget;

    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => inner.Position = value; }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        BytesRead += read;
        return BytesRead > Budget ? throw new ReadBudgetExceededException(Budget) : read;
    }
}

public sealed class ReadBudgetExceededException(long budget) : IOException($"more than {budget} bytes read");
