namespace LeNet.Tests.IO;

/// <summary>Passes writes through to <c>inner</c> until <c>failAfter</c> bytes, then writes the part that fits and throws, like a disk that fills up mid-write.</summary>
public sealed class FailingStream(Stream inner, long failAfter) : Stream
{
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        long room = failAfter - _written;
        if (buffer.Length > room)
        {
            inner.Write(buffer[..(int)Math.Max(room, 0)]);
            _written = failAfter;
            throw new IOException($"Simulated failure after {failAfter} bytes.");
        }

        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
