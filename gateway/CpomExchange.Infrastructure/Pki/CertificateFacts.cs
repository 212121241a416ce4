using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CpomExchange.Infrastructure.Pki;

/// <summary>What the gateway reads off a certificate.</summary>
public static class CertificateFacts
{
    /// <summary>The organizationIdentifier attribute (ETSI EN 319 412-1), OID 2.5.4.97.</summary>
    public const string OrganizationIdentifierOid = "2.5.4.97";

    /// <summary>The clientAuth extended key usage.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>The serverAuth extended key usage.</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>The SHA-256 fingerprint, upper-case hex.</summary>
    public static string Sha256Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.GetCertHashString(HashAlgorithmName.SHA256);
    }

    /// <summary>The organizationIdentifier of the subject (<c>NTRFR-</c> + SIREN or SIRET), or null.</summary>
    public static string? OrganizationIdentifier(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == OrganizationIdentifierOid)
            {
                return rdn.GetSingleElementValue();
            }
        }
        return null;
    }

    /// <summary>
    /// The SIREN named by an organizationIdentifier <c>NTRFR-</c> + SIREN (9 digits) or SIRET
    /// (14 digits): the first 9 digits; null when the value has another form.
    /// </summary>
    public static string? SirenOf(string organizationIdentifier)
    {
        ArgumentNullException.ThrowIfNull(organizationIdentifier);
        const string prefix = "NTRFR-";
        if (!organizationIdentifier.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = organizationIdentifier[prefix.Length..];
        return digits.Length is 9 or 14 && digits.All(char.IsAsciiDigit) ? digits[..9] : null;
    }

    /// <summary>True when the certificate is issued by itself (subject = issuer and it verifies with its own key).</summary>
    public static bool IsSelfSigned(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
    }
}
