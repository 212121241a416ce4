namespace CpomExchange.Tests.Shared;

/// <summary>
/// What the tests' read-only, forward-only streams share: they can only be read (a subclass says how), nothing written,
/// sought or flushed to; <see cref="Length"/> and <see cref="Position"/> are unknown unless a subclass says what they are.
/// </summary>
public abstract class ReadOnlyTestStream : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
