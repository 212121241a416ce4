using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// One certificate revocation list (RFC 5280 §5.1), read from PEM or DER and verified: its signer is
/// the issuer certificate whose Subject Key Identifier equals the list's Authority Key Identifier
/// (RFC 5280 §5.2.1) — not merely one with the same name, as two CAs may share a name — and whose
/// key verifies the signature. Revoked serial numbers are kept as the raw bytes of their INTEGER,
/// compared with the certificate's own bytes: no conversion to a number can then make a negative
/// serial (some CAs issue them) differ from its entry.
/// </summary>
internal sealed class RevocationList
{
    private const string AuthorityKeyIdentifierOid = "2.5.29.35";

    private readonly HashSet<string> _revoked;

    private RevocationList(X509Certificate2 signer, DateTime thisUpdate, DateTime? nextUpdate, HashSet<string> revoked)
    {
        Signer = signer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revoked = revoked;
    }

    /// <summary>The CA certificate that signed the list (one of the configured anchors and intermediates).</summary>
    public X509Certificate2 Signer { get; }

    /// <summary>When the list was issued.</summary>
    public DateTime ThisUpdate { get; }

    /// <summary>When the next list is due; past it the list no longer proves anything.</summary>
    public DateTime? NextUpdate { get; }

    /// <summary>True when <paramref name="certificate"/>'s serial number, as encoded, is listed.</summary>
    public bool Revokes(X509Certificate2 certificate) => _revoked.Contains(Convert.ToHexString(certificate.SerialNumberBytes.Span));

    /// <summary>Parses and verifies a list; throws <see cref="CryptographicException"/> when no configured CA signed it.</summary>
    public static RevocationList Parse(byte[] bytes, X509Certificate2Collection issuers)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(issuers);
        var text = System.Text.Encoding.ASCII.GetString(bytes);
        if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
        {
            var fields = PemEncoding.Find(text);
            bytes = Convert.FromBase64String(text[fields.Base64Data]);
        }
        var (tbs, algorithm, signature) = ReadSigned(bytes);

        // BER: a CA that encodes a serial number with a redundant leading byte still has its list read.
        var reader = new AsnReader(tbs, AsnEncodingRules.BER).ReadSequence();
        if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            reader.ReadInteger(); // version
        }
        reader.ReadSequence(); // signature algorithm, repeated
        var issuerName = reader.ReadEncodedValue().ToArray();
        var thisUpdate = ReadTime(reader);
        DateTime? nextUpdate = null;
        if (reader.HasData && (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || reader.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
        {
            nextUpdate = ReadTime(reader);
        }
        var revoked = new HashSet<string>(StringComparer.Ordinal);
        if (reader.HasData && reader.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var entries = reader.ReadSequence();
            while (entries.HasData)
            {
                var entry = entries.ReadSequence();
                revoked.Add(Convert.ToHexString(entry.ReadIntegerBytes().Span));
            }
        }
        byte[]? authorityKeyId = null;
        var extensionsTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (reader.HasData && reader.PeekTag().HasSameClassAndValue(extensionsTag))
        {
            var extensions = reader.ReadSequence(extensionsTag).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                var critical = extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                var value = extension.ReadOctetString();
                if (oid == AuthorityKeyIdentifierOid)
                {
                    authorityKeyId = new X509AuthorityKeyIdentifierExtension(value, critical).KeyIdentifier?.ToArray();
                }
            }
        }

        var signer = FindSigner(issuers, issuerName, authorityKeyId, tbs, algorithm, signature)
            ?? throw new CryptographicException("No configured CA certificate verifies this CRL's signature.");
        return new RevocationList(signer, thisUpdate, nextUpdate, revoked);
    }

    /// <summary>
    /// The certificate of <paramref name="issuers"/> that issued <paramref name="certificate"/>: same
    /// name, same key identifier when the certificate names one, and whose key verifies its signature.
    /// </summary>
    public static X509Certificate2? FindIssuer(X509Certificate2 certificate, X509Certificate2Collection issuers)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(issuers);
        var keyId = certificate.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().FirstOrDefault()?.KeyIdentifier?.ToArray();
        if (keyId is not null)
        {
            // The chain was already verified (at the handshake and by the authentication handler):
            // name and key identifier single out the issuer without verifying a signature per request.
            X509Certificate2? match = null;
            var count = 0;
            foreach (var candidate in issuers)
            {
                if (candidate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData)
                    && candidate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes is { } ski
                    && ski.Span.SequenceEqual(keyId))
                {
                    match = candidate;
                    count++;
                }
            }
            if (count == 1)
            {
                return match;
            }
        }
        var (tbs, algorithm, signature) = ReadSigned(certificate.RawData);
        return FindSigner(issuers, certificate.IssuerName.RawData, keyId, tbs, algorithm, signature);
    }

    private static X509Certificate2? FindSigner(X509Certificate2Collection issuers, byte[] name, byte[]? keyId, byte[] tbs, string algorithm, byte[] signature)
    {
        foreach (var candidate in issuers)
        {
            if (!candidate.SubjectName.RawData.AsSpan().SequenceEqual(name))
            {
                continue;
            }
            var subjectKeyId = candidate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault()?.SubjectKeyIdentifierBytes;
            if (keyId is not null && subjectKeyId is { } ski && !ski.Span.SequenceEqual(keyId))
            {
                continue;
            }
            if (Verifies(candidate, tbs, algorithm, signature))
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>The three parts of a signed X.509 structure (certificate or list).</summary>
    private static (byte[] Tbs, string Algorithm, byte[] Signature) ReadSigned(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
        var tbs = outer.ReadEncodedValue().ToArray();
        var algorithm = outer.ReadSequence().ReadObjectIdentifier();
        var signature = outer.ReadBitString(out _);
        return (tbs, algorithm, signature);
    }

    private static bool Verifies(X509Certificate2 signer, byte[] tbs, string algorithm, byte[] signature)
    {
        try
        {
            switch (algorithm)
            {
                case "1.2.840.10045.4.3.2":
                case "1.2.840.10045.4.3.3":
                case "1.2.840.10045.4.3.4":
                {
                    using var key = signer.GetECDsaPublicKey();
                    return key is not null && key.VerifyData(tbs, signature, EcdsaHash(algorithm), DSASignatureFormat.Rfc3279DerSequence);
                }
                case "1.2.840.113549.1.1.11":
                case "1.2.840.113549.1.1.12":
                case "1.2.840.113549.1.1.13":
                {
                    using var key = signer.GetRSAPublicKey();
                    return key is not null && key.VerifyData(tbs, signature, RsaHash(algorithm), RSASignaturePadding.Pkcs1);
                }
                default:
                    return false;
            }
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static HashAlgorithmName EcdsaHash(string oid) => oid switch
    {
        "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
        "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static HashAlgorithmName RsaHash(string oid) => oid switch
    {
        "1.2.840.113549.1.1.11" => HashAlgorithmName.SHA256,
        "1.2.840.113549.1.1.12" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static DateTime ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime().UtcDateTime : reader.ReadGeneralizedTime().UtcDateTime;
}
