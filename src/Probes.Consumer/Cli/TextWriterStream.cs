using System.Text;

namespace Probes.Consumer.Cli;

/// <summary>
/// A write-only stream over a TextWriter, so byte-oriented writers (the trace event writer)
/// can target the console abstraction that tests replace with a StringWriter.
/// </summary>
public sealed class TextWriterStream(TextWriter writer) : Stream
{
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Span<char> chars = buffer.Length <= 1024 ? stackalloc char[buffer.Length] : new char[buffer.Length];
        int written = _decoder.GetChars(buffer, chars, flush: false);
        writer.Write(chars[..written]);
    }

    public override void Flush() => writer.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
