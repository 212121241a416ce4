using System.Security.Cryptography;
using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// A write-only stream that encrypts what is written to it as <see cref="PayloadCipher"/> segments
/// and hashes the plaintext. Call <see cref="CompleteAsync"/> to write the last segment: a payload
/// whose stream is disposed without it has no last segment and never decrypts.
/// </summary>
public sealed class EncryptingStream : Stream
{
    private readonly Stream _destination;
    private readonly AesGcm _aes;
    private readonly byte[] _aadPrefix;
    private readonly byte[] _noncePrefix;
    private readonly byte[] _plain;
    private readonly byte[] _cipher;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _filled;
    private uint _index;
    private bool _completed;

    internal EncryptingStream(Stream destination, byte[] dataKey, byte[] aadPrefix, byte[] noncePrefix, int segmentSize, WrappedKey wrappedKey)
    {
        _destination = destination;
        _aes = new AesGcm(dataKey, PayloadCipher.TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
        _aadPrefix = aadPrefix;
        _noncePrefix = noncePrefix;
        WrappedKey = wrappedKey;
        _plain = new byte[segmentSize];
        _cipher = new byte[segmentSize + PayloadCipher.TagSize];
    }

    /// <summary>The payload's data key, wrapped by the key provider: to be kept by the caller, never in the payload.</summary>
    public WrappedKey WrappedKey { get; }

    /// <summary>The number of plaintext bytes written.</summary>
    public long PlaintextLength { get; private set; }

    /// <summary>The SHA-256 of the plaintext, lower-case hex; available after <see cref="CompleteAsync"/>.</summary>
    public string? Sha256 { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => false;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => !_completed;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => PlaintextLength; set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        _hash.AppendData(buffer.Span);
        PlaintextLength += buffer.Length;
        while (!buffer.IsEmpty)
        {
            if (_filled == _plain.Length)
            {
                // More data follows a full segment: it is not the last one.
                await SealAsync(last: false, cancellationToken);
            }
            var n = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer.Span[..n].CopyTo(_plain.AsSpan(_filled));
            _filled += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Writes the last segment and flushes the destination to disk when it is a file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        await SealAsync(last: true, cancellationToken);
        _completed = true;
        Sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        await _destination.FlushAsync(cancellationToken);
        if (_destination is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
    }

    private async ValueTask SealAsync(bool last, CancellationToken cancellationToken)
    {
        var length = _filled;
        _aes.Encrypt(PayloadCipher.Nonce(_noncePrefix, _index, last), _plain.AsSpan(0, length), _cipher.AsSpan(0, length),
            _cipher.AsSpan(length, PayloadCipher.TagSize), PayloadCipher.Aad(_aadPrefix, _index, last));
        await _destination.WriteAsync(_cipher.AsMemory(0, length + PayloadCipher.TagSize), cancellationToken);
        _filled = 0;
        _index = checked(_index + 1);
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_plain);
            _aes.Dispose();
            _hash.Dispose();
        }
        base.Dispose(disposing);
    }
}
