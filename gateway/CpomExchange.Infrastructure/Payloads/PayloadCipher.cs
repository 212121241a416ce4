using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// The encrypted payload format: a header (magic and version, segment size, a random 7-byte nonce
/// prefix, the key id and the wrapped data key), then the content as AES-256-GCM segments of a
/// fixed plaintext size, each followed by its tag. The nonce of segment i is prefix ‖ i (32 bits)
/// ‖ last (1 byte), and the associated data repeats the fixed header fields, i and the last flag,
/// so that reordering, dropping or truncating segments fails authentication (the STREAM
/// construction of Hoang, Reyhanitabar, Rogaway and Vizár). The wrapped key is not in the
/// associated data, so that a new key-encryption key can re-wrap it without re-encrypting.
/// </summary>
public static class PayloadCipher
{
    /// <summary>The plaintext size of every segment but the last.</summary>
    public const int DefaultSegmentSize = 64 * 1024;

    internal static ReadOnlySpan<byte> Magic => "CPOMENC"u8;
    internal const byte Version = 1;
    internal const int TagSize = 16;
    internal const int PrefixSize = 7;
    internal const int FixedHeaderSize = 8 + 4 + PrefixSize; // magic+version, segment size, prefix

    /// <summary>Starts an encrypted payload on <paramref name="destination"/> with a fresh data key.</summary>
    public static async Task<EncryptingStream> BeginAsync(Stream destination, IKeyProvider keys, int segmentSize = DefaultSegmentSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(keys);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var wrapped = await keys.WrapAsync(dataKey, cancellationToken);
            var kid = Encoding.UTF8.GetBytes(wrapped.KeyId);
            var header = new byte[FixedHeaderSize + 2 + kid.Length + 2 + wrapped.Value.Length];
            Magic.CopyTo(header);
            header[7] = Version;
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), segmentSize);
            RandomNumberGenerator.Fill(header.AsSpan(12, PrefixSize));
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(FixedHeaderSize), checked((ushort)kid.Length));
            kid.CopyTo(header.AsSpan(FixedHeaderSize + 2));
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(FixedHeaderSize + 2 + kid.Length), checked((ushort)wrapped.Value.Length));
            wrapped.Value.CopyTo(header.AsSpan(FixedHeaderSize + 4 + kid.Length));
            await destination.WriteAsync(header, cancellationToken);
            return new EncryptingStream(destination, dataKey, header.AsSpan(0, FixedHeaderSize).ToArray(), segmentSize);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw;
        }
    }

    /// <summary>
    /// Decrypts the payload in <paramref name="source"/> to <paramref name="destination"/>, segment
    /// by segment, and checks the SHA-256 of the whole plaintext against <paramref name="expectedSha256"/>
    /// when given. Throws <see cref="PayloadCorruptedException"/> on any alteration: the caller
    /// must then treat what was already written as incomplete.
    /// </summary>
    public static async Task<long> DecryptAsync(Stream source, Stream destination, IKeyProvider keys, string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(keys);
        var (fixedHeader, segmentSize, wrapped) = await ReadHeaderAsync(source, cancellationToken);
        var dataKey = await keys.UnwrapAsync(wrapped, cancellationToken);
        using var aes = new AesGcm(dataKey, TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[segmentSize + TagSize];
        var plain = new byte[segmentSize];
        var lookahead = new byte[1];
        var haveLookahead = false;
        long total = 0;
        for (uint index = 0; ; index++)
        {
            var offset = 0;
            if (haveLookahead)
            {
                chunk[0] = lookahead[0];
                offset = 1;
            }
            var read = offset + await ReadFullAsync(source, chunk.AsMemory(offset), cancellationToken);
            bool last;
            if (read == chunk.Length)
            {
                haveLookahead = await ReadFullAsync(source, lookahead, cancellationToken) == 1;
                last = !haveLookahead;
            }
            else
            {
                last = true;
            }
            if (read < TagSize)
            {
                throw new PayloadCorruptedException("Contenu tronqué.");
            }
            var length = read - TagSize;
            try
            {
                aes.Decrypt(Nonce(fixedHeader, index, last), chunk.AsSpan(0, length), chunk.AsSpan(length, TagSize), plain.AsSpan(0, length), Aad(fixedHeader, index, last));
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new PayloadCorruptedException($"Segment {index} altéré, déplacé ou tronqué.", e);
            }
            hash.AppendData(plain, 0, length);
            await destination.WriteAsync(plain.AsMemory(0, length), cancellationToken);
            total += length;
            if (last)
            {
                break;
            }
            if (index == uint.MaxValue)
            {
                throw new PayloadCorruptedException("Trop de segments.");
            }
        }
        if (expectedSha256 is not null && !string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new PayloadCorruptedException("L'empreinte SHA-256 du contenu ne correspond pas à celle enregistrée.");
        }
        return total;
    }

    /// <summary>
    /// Copies a payload with its data key re-wrapped by the current key-encryption key: the header
    /// changes, the encrypted segments are copied as they are (the wrapped key is not in their
    /// associated data). Returns false, copying nothing, when the payload is already wrapped by the current key.
    /// </summary>
    public static async Task<bool> RewrapAsync(Stream source, Stream destination, IKeyProvider keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(keys);
        var (fixedHeader, _, wrapped) = await ReadHeaderAsync(source, cancellationToken);
        if (wrapped.KeyId == await keys.CurrentKeyEncryptionKeyIdAsync(cancellationToken))
        {
            return false;
        }
        var dataKey = await keys.UnwrapAsync(wrapped, cancellationToken);
        WrappedKey rewrapped;
        try
        {
            rewrapped = await keys.WrapAsync(dataKey, cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
        var kid = Encoding.UTF8.GetBytes(rewrapped.KeyId);
        var header = new byte[FixedHeaderSize + 2 + kid.Length + 2 + rewrapped.Value.Length];
        fixedHeader.CopyTo(header, 0);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(FixedHeaderSize), checked((ushort)kid.Length));
        kid.CopyTo(header.AsSpan(FixedHeaderSize + 2));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(FixedHeaderSize + 2 + kid.Length), checked((ushort)rewrapped.Value.Length));
        rewrapped.Value.CopyTo(header.AsSpan(FixedHeaderSize + 4 + kid.Length));
        await destination.WriteAsync(header, cancellationToken);
        await source.CopyToAsync(destination, cancellationToken);
        return true;
    }

    private static async Task<(byte[] FixedHeader, int SegmentSize, WrappedKey Wrapped)> ReadHeaderAsync(Stream source, CancellationToken cancellationToken)
    {
        var fixedHeader = new byte[FixedHeaderSize + 2];
        if (await ReadFullAsync(source, fixedHeader, cancellationToken) != fixedHeader.Length
            || !fixedHeader.AsSpan(0, 7).SequenceEqual(Magic) || fixedHeader[7] != Version)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré invalide.");
        }
        var segmentSize = BinaryPrimitives.ReadInt32BigEndian(fixedHeader.AsSpan(8));
        if (segmentSize is < 1024 or > 16 * 1024 * 1024)
        {
            throw new PayloadCorruptedException("Taille de segment invalide.");
        }
        var kid = new byte[BinaryPrimitives.ReadUInt16BigEndian(fixedHeader.AsSpan(FixedHeaderSize))];
        var lengthBytes = new byte[2];
        if (await ReadFullAsync(source, kid, cancellationToken) != kid.Length
            || await ReadFullAsync(source, lengthBytes, cancellationToken) != 2)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré tronqué.");
        }
        var wrapped = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengthBytes)];
        if (await ReadFullAsync(source, wrapped, cancellationToken) != wrapped.Length)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré tronqué.");
        }
        return (fixedHeader.AsSpan(0, FixedHeaderSize).ToArray(), segmentSize, new WrappedKey(Encoding.UTF8.GetString(kid), wrapped));
    }

    private static async Task<int> ReadFullAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await source.ReadAsync(buffer[total..], cancellationToken);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    internal static byte[] Nonce(ReadOnlySpan<byte> fixedHeader, uint index, bool last)
    {
        var nonce = new byte[12];
        fixedHeader.Slice(12, PrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(PrefixSize), index);
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }

    internal static byte[] Aad(ReadOnlySpan<byte> fixedHeader, uint index, bool last)
    {
        var aad = new byte[FixedHeaderSize + 5];
        fixedHeader.CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(FixedHeaderSize), index);
        aad[^1] = last ? (byte)1 : (byte)0;
        return aad;
    }
}

/// <summary>A stored payload failed authentication: it was altered, reordered or truncated.</summary>
public sealed class PayloadCorruptedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A write-only stream that encrypts what is written to it as <see cref="PayloadCipher"/> segments
/// and hashes the plaintext. Call <see cref="CompleteAsync"/> to write the last segment: a payload
/// whose stream is disposed without it has no last segment and never decrypts.
/// </summary>
public sealed class EncryptingStream : Stream
{
    private readonly Stream _destination;
    private readonly AesGcm _aes;
    private readonly byte[] _fixedHeader;
    private readonly byte[] _plain;
    private readonly byte[] _cipher;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private int _filled;
    private uint _index;
    private bool _completed;

    internal EncryptingStream(Stream destination, byte[] dataKey, byte[] fixedHeader, int segmentSize)
    {
        _destination = destination;
        _aes = new AesGcm(dataKey, PayloadCipher.TagSize);
        CryptographicOperations.ZeroMemory(dataKey);
        _fixedHeader = fixedHeader;
        _plain = new byte[segmentSize];
        _cipher = new byte[segmentSize + PayloadCipher.TagSize];
    }

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
        _aes.Encrypt(PayloadCipher.Nonce(_fixedHeader, _index, last), _plain.AsSpan(0, length), _cipher.AsSpan(0, length),
            _cipher.AsSpan(length, PayloadCipher.TagSize), PayloadCipher.Aad(_fixedHeader, _index, last));
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
