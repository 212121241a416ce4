using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// Checks a client certificate the way the upstream ASP.NET Core certificate handler does, and
/// closes its gaps: the chain must end at one of the configured trust anchors only
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>, never the system store), every element must be
/// in its validity period, the leaf must carry the clientAuth usage (a leaf without any EKU is
/// refused, where upstream accepts it), self-signed leaves are refused (upstream lets any through),
/// and revocation is checked as configured.
/// </summary>
public sealed class ClientCertificateValidator
{
    private readonly X509Certificate2Collection _anchors;
    private readonly X509Certificate2Collection _intermediates;
    private readonly X509RevocationMode _revocationMode;
    private readonly CrlStore? _crls;
    private readonly TimeProvider _time;

    /// <summary>Validates against <paramref name="anchors"/> with <paramref name="intermediates"/> as extra chain elements.</summary>
    public ClientCertificateValidator(X509Certificate2Collection anchors, X509Certificate2Collection intermediates, X509RevocationMode revocationMode, TimeProvider time,
        CrlStore? crls = null)
    {
        _crls = crls;
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.Count == 0)
        {
            throw new ArgumentException("At least one trust anchor is required.", nameof(anchors));
        }
        _anchors = anchors;
        _intermediates = intermediates;
        _revocationMode = revocationMode;
        _time = time;
    }

    /// <summary>Null when the certificate is acceptable, else the reason in French.</summary>
    public string? Validate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (CertificateFacts.IsSelfSigned(certificate))
        {
            return "Certificat auto-signé refusé.";
        }
        var now = _time.GetUtcNow().UtcDateTime;
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return "Certificat hors de sa période de validité.";
        }
        var hasClientAuth = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == CertificateFacts.ClientAuthOid));
        if (!hasClientAuth)
        {
            return "Le certificat ne porte pas l'usage « authentification client ».";
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_anchors);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.RevocationMode = _revocationMode;
        chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(CertificateFacts.ClientAuthOid));
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        try
        {
            if (!chain.Build(certificate))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct();
                return "Chaîne de certification refusée : " + string.Join(", ", statuses) + ".";
            }
            // Revocation by the configured CRL files, for the leaf and every intermediate.
            foreach (var element in chain.ChainElements)
            {
                if (!CertificateFacts.IsSelfSigned(element.Certificate) && _crls?.Check(element.Certificate) is { } revoked)
                {
                    return revoked;
                }
            }
            return null;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }
}
