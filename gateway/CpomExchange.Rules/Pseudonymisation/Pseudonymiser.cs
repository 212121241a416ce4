using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using CpomExchange.Rules.Identifiers;

namespace CpomExchange.Rules.Pseudonymisation;

/// <summary>The kinds of identifier that get pseudonyms, each with its own domain label.</summary>
public enum IdentifierKind
{
    /// <summary>An establishment (SIRET, 14 digits).</summary>
    Siret,
    /// <summary>A person (NIR, 15 characters, upper case).</summary>
    Nir,
}

/// <summary>
/// Keyed pseudonyms: HMAC-SHA-256 of the normalised identifier under the pseudonymisation key, with
/// a domain label per identifier kind, written <c>v{version}:</c> + base64url. The same identifier
/// always gives the same pseudonym under a key version, so that the gateway can join, count and
/// answer a DPO's subject lookup without keeping identifiers in clear.
/// </summary>
public sealed class Pseudonymiser : IDisposable
{
    // HMAC-SHA-256 with the key's pad states computed once: an identifier (27 or 28 bytes with its
    // label) costs two managed SHA-256 compressions instead of three calls into OpenSSL, whose
    // overhead was most of the upload's row loop (see ShortMessageHmac). Shared by every thread.
    private readonly ShortMessageHmac _hmac;

    /// <summary>Uses a 256-bit <paramref name="key"/> of version <paramref name="version"/>.</summary>
    public Pseudonymiser(byte[] key, int version)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != 32)
        {
            throw new ArgumentException("A 256-bit key is required.", nameof(key));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        Version = version;
        _hmac = new ShortMessageHmac(key);
    }

    /// <summary>The key version, written in every pseudonym.</summary>
    public int Version { get; }

    /// <summary>The pseudonym of an identifier (normalised here: SIRET without spaces, NIR upper case).</summary>
    public string Pseudonym(IdentifierKind kind, string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(kind, Normalise(kind, identifier), mac);
        return $"v{Version}:" + Base64Url.EncodeToString(mac);
    }

    /// <summary>The first 128 bits of the pseudonym, for compact sets of subjects (joins, lookups).</summary>
    public UInt128 Short(IdentifierKind kind, string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        return ShortOfNormalised(kind, Normalise(kind, identifier));
    }

    /// <summary>
    /// <see cref="Short"/> of an identifier the caller already normalised (a cell the CSV checks
    /// normalised): the upload pseudonymises each identifier once, without normalising it again.
    /// </summary>
    internal UInt128 ShortOfNormalised(IdentifierKind kind, string normalised)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Mac(kind, normalised, mac);
        return new UInt128(BitConverter.ToUInt64(mac[..8]), BitConverter.ToUInt64(mac[8..16]));
    }

    /// <summary>
    /// <see cref="ShortOfNormalised"/> of several identifiers at once, in order: the upload's row
    /// loop hands them over in batches so that eight are hashed together (<see cref="ShortMessageHmac.ComputeMany"/>).
    /// </summary>
    internal void ShortsOfNormalised(ReadOnlySpan<IdentifierKind> kinds, ReadOnlySpan<string> normalised, Span<UInt128> destination)
    {
        if (kinds.Length != normalised.Length || destination.Length < kinds.Length)
        {
            throw new ArgumentException("One kind and one destination per identifier are required.");
        }
        var total = 0;
        for (var i = 0; i < kinds.Length; i++)
        {
            total += Domain(kinds[i]).Length + Encoding.UTF8.GetByteCount(normalised[i]);
        }
        // A batch of the row loop (32 identifiers, about 900 bytes) uses this thread's scratch
        // buffers: stackalloc'd ones were zeroed by a helper call that the traced upload spent more
        // time in than in the hashing itself.
        var scratch = t_scratch ??= new Scratch();
        var small = total <= Scratch.Bytes && kinds.Length <= Scratch.Identifiers;
        byte[]? rentedMessages = small ? null : ArrayPool<byte>.Shared.Rent(total);
        int[]? rentedLengths = small ? null : ArrayPool<int>.Shared.Rent(kinds.Length);
        byte[]? rentedMacs = small ? null : ArrayPool<byte>.Shared.Rent(kinds.Length * HMACSHA256.HashSizeInBytes);
        Span<byte> messages = small ? scratch.Messages : rentedMessages;
        Span<int> lengths = small ? scratch.Lengths : rentedLengths;
        Span<byte> macs = small ? scratch.Macs : rentedMacs;
        try
        {
            var at = 0;
            for (var i = 0; i < kinds.Length; i++)
            {
                var domain = Domain(kinds[i]);
                domain.CopyTo(messages[at..]);
                var length = domain.Length + Encoding.UTF8.GetBytes(normalised[i], messages[(at + domain.Length)..]);
                lengths[i] = length;
                at += length;
            }
            _hmac.ComputeMany(messages[..at], lengths[..kinds.Length], macs);
            for (var i = 0; i < kinds.Length; i++)
            {
                var mac = macs[(i * HMACSHA256.HashSizeInBytes)..];
                destination[i] = new UInt128(BitConverter.ToUInt64(mac[..8]), BitConverter.ToUInt64(mac[8..16]));
            }
        }
        finally
        {
            // The messages held the identifiers in clear, the MACs their pseudonyms.
            CryptographicOperations.ZeroMemory(messages[..total]);
            CryptographicOperations.ZeroMemory(macs[..(kinds.Length * HMACSHA256.HashSizeInBytes)]);
            if (!small)
            {
                ArrayPool<byte>.Shared.Return(rentedMessages!);
                ArrayPool<int>.Shared.Return(rentedLengths!);
                ArrayPool<byte>.Shared.Return(rentedMacs!);
            }
        }
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>One thread's buffers for <see cref="ShortsOfNormalised"/>, zeroed after each use.</summary>
    private sealed class Scratch
    {
        public const int Bytes = 2048;
        public const int Identifiers = 64;
        public readonly byte[] Messages = new byte[Bytes];
        public readonly int[] Lengths = new int[Identifiers];
        public readonly byte[] Macs = new byte[Identifiers * HMACSHA256.HashSizeInBytes];
    }

    private static ReadOnlySpan<byte> Domain(IdentifierKind kind) => kind == IdentifierKind.Siret ? "cpom/siret/v1:"u8 : "cpom/nir/v1:"u8;

    private static string Normalise(IdentifierKind kind, string identifier) => kind == IdentifierKind.Siret ? Siret.Normalise(identifier) : Nir.Normalise(identifier);

    // Called once per identifier of an upload: the message is built on the stack, not in strings.
    private void Mac(IdentifierKind kind, string normalised, Span<byte> destination)
    {
        var domain = Domain(kind);
        var length = domain.Length + Encoding.UTF8.GetByteCount(normalised);
        Span<byte> message = length <= 256 ? stackalloc byte[length] : new byte[length];
        domain.CopyTo(message);
        Encoding.UTF8.GetBytes(normalised, message[domain.Length..]);
        _hmac.Compute(message, destination);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _hmac.Dispose();
    }
}
