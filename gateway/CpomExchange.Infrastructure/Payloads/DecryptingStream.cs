using System.Security.Cryptography;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// A read-only stream of a payload's plaintext (see <see cref="PayloadCipher.OpenAsync"/>): each
/// segment is authenticated before any of its bytes is handed out, and the SHA-256 of the whole
/// plaintext is checked before the last segment is. Throws <see cref="PayloadCorruptedException"/>
/// from <see cref="ReadAsync(Memory{byte}, CancellationToken)"/> on any alteration.
/// </summary>
public sealed class DecryptingStream : Stream
{
    private readonly Stream _source;
    private readonly AesGcm _aes;
    private readonly byte[] _aadPrefix;
    private readonly byte[] _noncePrefix;
    private readonly string? _expectedSha256;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _chunk;
    private readonly byte[] _plain;
    private int _available;
    private int _offset;
    private uint _index;
    private bool _haveLookahead;
    private byte _lookahead;
    private bool _finished;

    internal DecryptingStream(Stream source, byte[] dataKey, byte[] aadPrefix, byte[] noncePrefix, int segmentSize, string? expectedSha256)
    {
        _source = source;
        _aes = new AesGcm(dataKey, PayloadCipher.TagSize);
        _aadPrefix = aadPrefix;
        _noncePrefix = noncePrefix;
        _expectedSha256 = expectedSha256;
        _chunk = new byte[segmentSize + PayloadCipher.TagSize];
        _plain = new byte[segmentSize];
    }

    /// <summary>The number of plaintext bytes decrypted so far.</summary>
    public long PlaintextLength { get; private set; }

    /// <inheritdoc />
    public override bool CanRead => true;
    /// <inheritdoc />
    public override bool CanSeek => false;
    /// <inheritdoc />
    public override bool CanWrite => false;
    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();
    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _available)
        {
            if (_finished || buffer.IsEmpty)
            {
                return 0;
            }
            await NextSegmentAsync(cancellationToken);
        }
        var n = Math.Min(buffer.Length, _available - _offset);
        _plain.AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        return n;
    }

    private async Task NextSegmentAsync(CancellationToken cancellationToken)
    {
        var start = 0;
        if (_haveLookahead)
        {
            _chunk[0] = _lookahead;
            start = 1;
        }
        var read = start + await PayloadCipher.ReadFullAsync(_source, _chunk.AsMemory(start), cancellationToken);
        bool last;
        if (read == _chunk.Length)
        {
            // One byte more tells whether this full segment is the last one.
            var one = new byte[1];
            _haveLookahead = await PayloadCipher.ReadFullAsync(_source, one, cancellationToken) == 1;
            _lookahead = one[0];
            last = !_haveLookahead;
        }
        else
        {
            last = true;
        }
        if (read < PayloadCipher.TagSize)
        {
            throw new PayloadCorruptedException("Contenu tronqué.");
        }
        var length = read - PayloadCipher.TagSize;
        try
        {
            _aes.Decrypt(PayloadCipher.Nonce(_noncePrefix, _index, last), _chunk.AsSpan(0, length), _chunk.AsSpan(length, PayloadCipher.TagSize),
                _plain.AsSpan(0, length), PayloadCipher.Aad(_aadPrefix, _index, last));
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new PayloadCorruptedException($"Segment {_index} altéré, déplacé, tronqué ou d'un autre fichier.", e);
        }
        _hash.AppendData(_plain, 0, length);
        if (last)
        {
            _finished = true;
            if (_expectedSha256 is not null && !string.Equals(Convert.ToHexStringLower(_hash.GetHashAndReset()), _expectedSha256, StringComparison.OrdinalIgnoreCase))
            {
                CryptographicOperations.ZeroMemory(_plain);
                throw new PayloadCorruptedException("L'empreinte SHA-256 du contenu ne correspond pas à celle enregistrée.");
            }
        }
        else if (_index == uint.MaxValue)
        {
            throw new PayloadCorruptedException("Trop de segments.");
        }
        _index++;
        _available = length;
        _offset = 0;
        PlaintextLength += length;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();
    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(_plain);
            _aes.Dispose();
            _hash.Dispose();
            _source.Dispose();
        }
        base.Dispose(disposing);
    }
}
