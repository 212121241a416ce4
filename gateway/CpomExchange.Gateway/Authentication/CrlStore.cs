using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// Certificate revocation lists from files (<c>Cpom:Tls:CrlFiles</c>, PEM or DER), read again when a
/// file changes. A list counts only when its signature verifies with its issuer's key among the
/// trust anchors and intermediates; a list past its next update fails closed: every certificate
/// of that issuer is refused until a fresh list is installed.
/// </summary>
public sealed class CrlStore
{
    private readonly IReadOnlyList<string> _files;
    private readonly X509Certificate2Collection _issuers;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Dictionary<string, (DateTime Write, Crl? List, string? Problem)> _loaded = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="files"/>, signed by certificates of <paramref name="issuers"/>.</summary>
    public CrlStore(IReadOnlyList<string> files, X509Certificate2Collection issuers, TimeProvider time)
    {
        _files = files;
        _issuers = issuers;
        _time = time;
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"Cpom:Tls:CrlFiles : liste de révocation introuvable : {file}");
            }
        }
        Refresh();
    }

    /// <summary>Null when no list revokes the certificate, else why it is refused.</summary>
    public string? Check(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (_files.Count == 0)
        {
            return null;
        }
        Refresh();
        var serial = new BigInteger(certificate.GetSerialNumber(), isUnsigned: true, isBigEndian: false);
        foreach (var (_, list, problem) in _loaded.Values)
        {
            if (problem is not null)
            {
                return problem;
            }
            if (list is null || !list.Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
            {
                continue;
            }
            if (list.NextUpdate is { } next && _time.GetUtcNow().UtcDateTime > next)
            {
                return "La liste de révocation de l'émetteur du certificat a expiré : installez-en une à jour.";
            }
            if (list.Revoked.Contains(serial))
            {
                return "Certificat révoqué par son autorité de certification.";
            }
        }
        return null;
    }

    private void Refresh()
    {
        lock (_lock)
        {
            var next = new Dictionary<string, (DateTime, Crl?, string?)>(StringComparer.Ordinal);
            foreach (var file in _files)
            {
                var write = File.Exists(file) ? File.GetLastWriteTimeUtc(file) : DateTime.MinValue;
                if (_loaded.TryGetValue(file, out var known) && known.Write == write)
                {
                    next[file] = known;
                    continue;
                }
                try
                {
                    next[file] = (write, Crl.Parse(File.ReadAllBytes(file), _issuers), null);
                }
                catch (Exception e) when (e is CryptographicException or AsnContentException or IOException or FormatException)
                {
                    // Fail closed: an unreadable or forged list refuses every client until it is fixed.
                    next[file] = (write, null, $"Liste de révocation {Path.GetFileName(file)} illisible ou non signée par une autorité reconnue.");
                }
            }
            _loaded = next;
        }
    }

    private sealed record Crl(X500DistinguishedName Issuer, DateTime? NextUpdate, HashSet<BigInteger> Revoked)
    {
        /// <summary>Parses a CRL (RFC 5280 §5.1), PEM or DER, and verifies its signature with its issuer among <paramref name="issuers"/>.</summary>
        public static Crl Parse(byte[] bytes, X509Certificate2Collection issuers)
        {
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
            {
                var fields = PemEncoding.Find(text);
                bytes = Convert.FromBase64String(text[fields.Base64Data]);
            }
            var outer = new AsnReader(bytes, AsnEncodingRules.DER).ReadSequence();
            var tbs = outer.ReadEncodedValue().ToArray();
            var algorithm = outer.ReadSequence().ReadObjectIdentifier();
            var signature = outer.ReadBitString(out _);

            var reader = new AsnReader(tbs, AsnEncodingRules.DER).ReadSequence();
            if (reader.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                reader.ReadInteger(); // version
            }
            reader.ReadSequence(); // signature algorithm, repeated
            var issuer = new X500DistinguishedName(reader.ReadEncodedValue().Span);
            ReadTime(reader);
            DateTime? nextUpdate = null;
            if (reader.HasData && (reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || reader.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(reader);
            }
            var revoked = new HashSet<BigInteger>();
            if (reader.HasData && reader.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                var entries = reader.ReadSequence();
                while (entries.HasData)
                {
                    var entry = entries.ReadSequence();
                    revoked.Add(entry.ReadInteger());
                }
            }

            var signer = issuers.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(issuer.RawData))
                ?? throw new CryptographicException("CRL issuer is not a trusted CA.");
            var verified = algorithm switch
            {
                "1.2.840.10045.4.3.2" => signer.GetECDsaPublicKey()!.VerifyData(tbs, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence),
                "1.2.840.10045.4.3.3" => signer.GetECDsaPublicKey()!.VerifyData(tbs, signature, HashAlgorithmName.SHA384, DSASignatureFormat.Rfc3279DerSequence),
                "1.2.840.113549.1.1.11" => signer.GetRSAPublicKey()!.VerifyData(tbs, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
                "1.2.840.113549.1.1.12" => signer.GetRSAPublicKey()!.VerifyData(tbs, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1),
                _ => throw new CryptographicException($"CRL signature algorithm {algorithm} not supported."),
            };
            return verified ? new Crl(issuer, nextUpdate, revoked) : throw new CryptographicException("CRL signature does not verify.");
        }

        private static DateTime ReadTime(AsnReader reader) =>
            reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime().UtcDateTime : reader.ReadGeneralizedTime().UtcDateTime;
    }
}
