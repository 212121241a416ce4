using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Infrastructure.Keys;

namespace CpomExchange.Infrastructure.Payloads;

/// <summary>
/// The encrypted payload format. Format 2 (written since the data keys moved to the database): a
/// header (magic and version, segment size, a random 7-byte nonce prefix) and nothing else, then the
/// content as AES-256-GCM segments of a fixed plaintext size, each followed by its tag. The data key
/// is NOT in the file: its wrapped form is kept by the caller (the dataset's database row), so that
/// destroying it there turns every copy of the file — backups, snapshots, soft-deleted blobs — into
/// noise. The nonce of segment i is prefix ‖ i (32 bits) ‖ last (1 byte); the associated data is the
/// fixed header ‖ SHA-256 of the caller's context (what the file is: a dataset's payload or its
/// subject index, and the dataset's id) ‖ i ‖ last, so that reordering, dropping or truncating
/// segments, or presenting one dataset's file as another's, fails authentication (the STREAM
/// construction of Hoang, Reyhanitabar, Rogaway and Vizár).
/// </summary>
/// <remarks>
/// Format 1 (earlier versions) is still read: after the fixed header came the key id and the wrapped
/// data key (empty once <see cref="LegacyPayloads"/> has moved them to the database), and the
/// associated data had no context. Nothing writes format 1 any more.
/// </remarks>
public static class PayloadCipher
{
    /// <summary>The plaintext size of every segment but the last.</summary>
    public const int DefaultSegmentSize = 64 * 1024;

    internal static ReadOnlySpan<byte> Magic => "CPOMENC"u8;
    internal const byte LegacyVersion = 1;
    internal const byte Version = 2;
    internal const int TagSize = 16;
    internal const int PrefixSize = 7;
    internal const int FixedHeaderSize = 8 + 4 + PrefixSize; // magic+version, segment size, prefix

    /// <summary>
    /// Starts an encrypted payload (format 2) on <paramref name="destination"/> with a fresh data key,
    /// bound to <paramref name="context"/>. The data key, wrapped by the key provider, is
    /// <see cref="EncryptingStream.WrappedKey"/>: the caller keeps it (never beside the file) and gives
    /// it back, with the same context, to read the payload. With <paramref name="inFlight"/> above 0,
    /// the segments are hashed, encrypted and written by a task of their own, up to that many waiting
    /// (see <see cref="EncryptingStream"/>): the same bytes, the work on another processor.
    /// </summary>
    public static async Task<EncryptingStream> BeginAsync(Stream destination, IKeyProvider keys, string context, int segmentSize = DefaultSegmentSize,
        CancellationToken cancellationToken = default, int inFlight = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inFlight);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(context);
        if (segmentSize is < 1024 or > 16 * 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(segmentSize));
        }
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var wrapped = await keys.WrapAsync(dataKey, cancellationToken);
            var header = new byte[FixedHeaderSize];
            Magic.CopyTo(header);
            header[7] = Version;
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), segmentSize);
            RandomNumberGenerator.Fill(header.AsSpan(12, PrefixSize));
            await destination.WriteAsync(header, cancellationToken);
            return new EncryptingStream(destination, dataKey, AadPrefix(header, Version, context), header.AsSpan(12, PrefixSize).ToArray(), segmentSize, wrapped, inFlight);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw;
        }
    }

    /// <summary>
    /// Opens the payload in <paramref name="source"/> for reading its plaintext, segment by segment:
    /// format 2 with <paramref name="key"/> (required) and <paramref name="context"/>; format 1 with
    /// <paramref name="key"/> when given, else the key its header still holds. The SHA-256 of the whole
    /// plaintext is checked against <paramref name="expectedSha256"/> (when given) before the last
    /// segment is handed out. Any alteration throws <see cref="PayloadCorruptedException"/> from a
    /// read: what was already read must then be treated as incomplete. The stream owns <paramref name="source"/>.
    /// </summary>
    public static async Task<DecryptingStream> OpenAsync(Stream source, IKeyProvider keys, WrappedKey? key, string context, string? expectedSha256,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrEmpty(context);
        var header = await ReadHeaderAsync(source, cancellationToken);
        var wrapped = key ?? header.Embedded
            ?? throw new PayloadCorruptedException(header.Version == Version
                ? "La clé de données de ce contenu n'est pas fournie (elle est gardée hors du fichier, dans la base)."
                : "Ni l'en-tête ni la base ne donnent la clé de données de ce contenu.");
        var dataKey = await keys.UnwrapAsync(wrapped, cancellationToken);
        try
        {
            return new DecryptingStream(source, dataKey, AadPrefix(header.Fixed, header.Version, context), header.Fixed.AsSpan(12, PrefixSize).ToArray(),
                header.SegmentSize, expectedSha256);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Decrypts the payload in <paramref name="source"/> to <paramref name="destination"/> (see <see cref="OpenAsync"/>); returns the plaintext length.</summary>
    public static async Task<long> DecryptAsync(Stream source, Stream destination, IKeyProvider keys, WrappedKey? key, string context,
        string? expectedSha256 = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await using var plain = await OpenAsync(source, keys, key, context, expectedSha256, cancellationToken);
        await plain.CopyToAsync(destination, cancellationToken);
        return plain.PlaintextLength;
    }

    /// <summary>The header of a stored payload: its version, and for format 1 the wrapped data key it still holds, if any.</summary>
    internal sealed record Header(byte Version, byte[] Fixed, int SegmentSize, WrappedKey? Embedded, int Length);

    /// <summary>Reads and checks a payload's header, leaving <paramref name="source"/> at the first segment.</summary>
    internal static async Task<Header> ReadHeaderAsync(Stream source, CancellationToken cancellationToken)
    {
        var fixedHeader = new byte[FixedHeaderSize];
        if (await ReadFullAsync(source, fixedHeader, cancellationToken) != fixedHeader.Length
            || !fixedHeader.AsSpan(0, 7).SequenceEqual(Magic) || fixedHeader[7] is not (LegacyVersion or Version))
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré invalide.");
        }
        var segmentSize = BinaryPrimitives.ReadInt32BigEndian(fixedHeader.AsSpan(8));
        if (segmentSize is < 1024 or > 16 * 1024 * 1024)
        {
            throw new PayloadCorruptedException("Taille de segment invalide.");
        }
        if (fixedHeader[7] == Version)
        {
            return new Header(Version, fixedHeader, segmentSize, null, FixedHeaderSize);
        }
        // Format 1: key id and wrapped data key (both empty once moved to the database).
        var lengths = new byte[2];
        if (await ReadFullAsync(source, lengths, cancellationToken) != 2)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré tronqué.");
        }
        var kid = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengths)];
        if (await ReadFullAsync(source, kid, cancellationToken) != kid.Length || await ReadFullAsync(source, lengths, cancellationToken) != 2)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré tronqué.");
        }
        var wrapped = new byte[BinaryPrimitives.ReadUInt16BigEndian(lengths)];
        if (await ReadFullAsync(source, wrapped, cancellationToken) != wrapped.Length)
        {
            throw new PayloadCorruptedException("En-tête de contenu chiffré tronqué.");
        }
        var embedded = kid.Length == 0 && wrapped.Length == 0 ? null : new WrappedKey(Encoding.UTF8.GetString(kid), wrapped);
        return new Header(LegacyVersion, fixedHeader, segmentSize, embedded, FixedHeaderSize + 4 + kid.Length + wrapped.Length);
    }

    /// <summary>
    /// Copies a format-1 payload without the wrapped data key in its header (empty key id and key):
    /// the segments are copied as they are, the key not being in their associated data. The caller
    /// has stored the key elsewhere first.
    /// </summary>
    internal static async Task StripLegacyKeyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var header = await ReadHeaderAsync(source, cancellationToken);
        if (header.Version != LegacyVersion)
        {
            throw new InvalidOperationException("Only a format-1 payload carries its key in its header.");
        }
        var stripped = new byte[FixedHeaderSize + 4];
        header.Fixed.CopyTo(stripped, 0);
        await destination.WriteAsync(stripped, cancellationToken);
        await source.CopyToAsync(destination, cancellationToken);
    }

    internal static async Task<int> ReadFullAsync(Stream source, Memory<byte> buffer, CancellationToken cancellationToken)
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

    /// <summary>
    /// What every segment's associated data starts with: the fixed header, then (format 2) the
    /// SHA-256 of the context, which binds the file to what it is and to whom it belongs.
    /// </summary>
    private static byte[] AadPrefix(byte[] fixedHeader, byte version, string context) =>
        version == LegacyVersion ? [.. fixedHeader] : [.. fixedHeader, .. SHA256.HashData(Encoding.UTF8.GetBytes(context))];

    internal static byte[] Nonce(ReadOnlySpan<byte> prefix, uint index, bool last)
    {
        var nonce = new byte[12];
        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(PrefixSize), index);
        nonce[11] = last ? (byte)1 : (byte)0;
        return nonce;
    }

    internal static byte[] Aad(ReadOnlySpan<byte> aadPrefix, uint index, bool last)
    {
        var aad = new byte[aadPrefix.Length + 5];
        aadPrefix.CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(aadPrefix.Length), index);
        aad[^1] = last ? (byte)1 : (byte)0;
        return aad;
    }
}

/// <summary>A stored payload failed authentication: it was altered, reordered, truncated, or is not the file it is presented as.</summary>
public sealed class PayloadCorruptedException(string message, Exception? inner = null) : Exception(message, inner);
