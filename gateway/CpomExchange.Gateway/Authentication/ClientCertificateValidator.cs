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
/// <remarks>
/// Building the chain is the costly part (it was half of the processor time of an inbox listing on
/// a keep-alive connection, where the handshake and every request check the certificate). A chain
/// built successfully is therefore remembered for <see cref="ChainCacheDuration"/>, by the
/// certificate's SHA-256: within that time a request of the same certificate re-checks everything
/// else (self-signature, validity period of the leaf and of every element, clientAuth usage, the
/// configured revocation lists for the leaf and every intermediate) and skips only the chain
/// building. With <c>RevocationMode</c> <c>Online</c> or <c>Offline</c> the system's revocation
/// check is part of the building, so a revocation published by that means is seen within that time;
/// the configured lists (<c>Cpom:Tls:CrlFiles</c>) apply at the next request.
/// </remarks>
public sealed class ClientCertificateValidator
{
    /// <summary>How long a successfully built chain is reused for the same certificate.</summary>
    public static readonly TimeSpan ChainCacheDuration = TimeSpan.FromMinutes(5);

    private const int MaxCachedChains = 10_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, BuiltChain> _chains = new(StringComparer.Ordinal);

    /// <summary>A chain that was built: its elements above the leaf (for the revocation lists), until when it is reused.</summary>
    private sealed record BuiltChain(X509Certificate2[] Issuers, DateTime ReuseUntilUtc, DateTime ValidUntilUtc);

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
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.RawData));
        if (!_chains.TryGetValue(key, out var built) || now >= built.ReuseUntilUtc || now > built.ValidUntilUtc)
        {
            var (problem, issuers) = BuildChain(certificate, now);
            if (problem is not null)
            {
                _chains.TryRemove(key, out _);
                return problem;
            }
            if (_chains.Count >= MaxCachedChains)
            {
                _chains.Clear();
            }
            built = new BuiltChain(issuers, now + ChainCacheDuration,
                issuers.Select(i => i.NotAfter.ToUniversalTime()).Append(certificate.NotAfter.ToUniversalTime()).Min());
            _chains[key] = built;
        }
        // Revocation by the configured CRL files, for the leaf and every intermediate, at every call.
        if (_crls?.Check(certificate) is { } revoked)
        {
            return revoked;
        }
        foreach (var issuer in built.Issuers)
        {
            if (!CertificateFacts.IsSelfSigned(issuer) && _crls?.Check(issuer) is { } issuerRevoked)
            {
                return issuerRevoked;
            }
        }
        return null;
    }

    /// <summary>Builds the chain to a configured anchor; on success, returns its elements above the leaf.</summary>
    private (string? Problem, X509Certificate2[] Issuers) BuildChain(X509Certificate2 certificate, DateTime now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_anchors);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.RevocationMode = _revocationMode;
        chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(CertificateFacts.ClientAuthOid));
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        var keep = new List<X509Certificate2>();
        try
        {
            if (!chain.Build(certificate))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct();
                return ("Chaîne de certification refusée : " + string.Join(", ", statuses) + ".", []);
            }
            foreach (var element in chain.ChainElements.Skip(1))
            {
                // A copy of its own: the chain's elements are disposed below.
                keep.Add(X509CertificateLoader.LoadCertificate(element.Certificate.RawData));
            }
            return (null, [.. keep]);
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
