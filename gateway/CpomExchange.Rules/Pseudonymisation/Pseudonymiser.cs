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
    private readonly byte[] _key;

    /// <summary>Uses a 256-bit <paramref name="key"/> of version <paramref name="version"/>.</summary>
    public Pseudonymiser(byte[] key, int version)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length != 32)
        {
            throw new ArgumentException("A 256-bit key is required.", nameof(key));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        _key = (byte[])key.Clone();
        Version = version;
    }

    /// <summary>The key version, written in every pseudonym.</summary>
    public int Version { get; }

    /// <summary>The pseudonym of an identifier (normalised here: SIRET without spaces, NIR upper case).</summary>
    public string Pseudonym(IdentifierKind kind, string identifier) =>
        $"v{Version}:" + Convert.ToBase64String(Mac(kind, identifier)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The first 128 bits of the pseudonym, for compact sets of subjects (joins, lookups).</summary>
    public UInt128 Short(IdentifierKind kind, string identifier)
    {
        var mac = Mac(kind, identifier);
        return new UInt128(BitConverter.ToUInt64(mac, 0), BitConverter.ToUInt64(mac, 8));
    }

    private byte[] Mac(IdentifierKind kind, string identifier)
    {
        ArgumentNullException.ThrowIfNull(identifier);
        var normalised = kind == IdentifierKind.Siret ? Siret.Normalise(identifier) : Nir.Normalise(identifier);
        var domain = kind == IdentifierKind.Siret ? "cpom/siret/v1:" : "cpom/nir/v1:";
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(domain + normalised));
    }

    /// <inheritdoc />
    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
