using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// The check of a client certificate at the TLS handshake (Kestrel's <c>ClientCertificateValidation</c>)
/// and when an administrator registers one: the chain must end at one of the configured trust
/// anchors only (<see cref="X509ChainTrustMode.CustomRootTrust"/>, never the system store) through
/// the configured intermediates only, every element in its validity period, the leaf carrying the
/// clientAuth usage (a leaf without any EKU is refused, where the platform accepts it), never
/// self-signed, and not revoked by the configured lists (<c>Cpom:Tls:CrlFiles</c>).
/// </summary>
/// <remarks>
/// No network call is ever made here: certificate downloads (AIA "CA issuers") are disabled, and the
/// platform's revocation check is at most <see cref="X509RevocationMode.Offline"/> (its local cache of
/// lists). With <c>RevocationMode</c> <c>Online</c>, the revocation sources are asked after the
/// handshake, before the first request is served, off the thread pool (<see cref="OnlineRevocation"/>):
/// a handshake never waits on a URL.
/// A refusal is remembered for <see cref="FailureCacheDuration"/> by the certificate's SHA-256, so a
/// flood of handshakes with the same bad certificate builds its chain once. Successes are not
/// remembered here: after the handshake, the authentication handler's cache serves the requests.
/// </remarks>
public sealed class ClientCertificateValidator
{
    /// <summary>How long a refused certificate is refused without building its chain again.</summary>
    public static readonly TimeSpan FailureCacheDuration = TimeSpan.FromSeconds(30);

    private const int MaxCachedFailures = 10_000;

    private readonly ConcurrentDictionary<string, (string Problem, DateTimeOffset Until)> _failures = new(StringComparer.Ordinal);
    private readonly X509Certificate2Collection _anchors;
    private readonly X509Certificate2Collection _intermediates;
    private readonly X509RevocationMode _revocationMode;
    private readonly CrlStore? _crls;
    private readonly TimeProvider _time;
    private long _chainsBuilt;

    /// <summary>Validates against <paramref name="anchors"/> with <paramref name="intermediates"/> as the only extra chain elements.</summary>
    public ClientCertificateValidator(X509Certificate2Collection anchors, X509Certificate2Collection intermediates, X509RevocationMode revocationMode, TimeProvider time,
        CrlStore? crls = null)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.Count == 0)
        {
            throw new ArgumentException("At least one trust anchor is required.", nameof(anchors));
        }
        _anchors = anchors;
        _intermediates = intermediates;
        // Online fetches belong to OnlineRevocation, after the handshake.
        _revocationMode = revocationMode == X509RevocationMode.Online ? X509RevocationMode.NoCheck : revocationMode;
        _crls = crls;
        _time = time;
    }

    /// <summary>How many chains this validator built (for the tests of the failure cache).</summary>
    internal long ChainsBuilt => Interlocked.Read(ref _chainsBuilt);

    /// <summary>Null when the certificate is acceptable, else the reason in French.</summary>
    public string? Validate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var now = _time.GetUtcNow();
        var key = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        if (_failures.TryGetValue(key, out var failed))
        {
            if (now < failed.Until)
            {
                return failed.Problem;
            }
            _failures.TryRemove(key, out _);
        }
        var problem = Check(certificate, now.UtcDateTime);
        if (problem is not null)
        {
            if (_failures.Count >= MaxCachedFailures)
            {
                _failures.Clear();
            }
            _failures[key] = (problem, now + FailureCacheDuration);
        }
        return problem;
    }

    /// <summary>
    /// The platform chain policy the handshake itself uses (<c>SslServerAuthenticationOptions.CertificateChainPolicy</c>):
    /// the same anchors and intermediates, no download, no revocation fetch.
    /// </summary>
    public X509ChainPolicy HandshakePolicy()
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(_anchors);
        policy.ExtraStore.AddRange(_intermediates);
        return policy;
    }

    private string? Check(X509Certificate2 certificate, DateTime now)
    {
        if (CertificateFacts.IsSelfSigned(certificate))
        {
            return "Certificat auto-signé refusé.";
        }
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            return "Certificat hors de sa période de validité.";
        }
        if (!HasClientAuthUsage(certificate))
        {
            return "Le certificat ne porte pas l'usage « authentification client ».";
        }
        Interlocked.Increment(ref _chainsBuilt);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_anchors);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.RevocationMode = _revocationMode;
        chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(CertificateFacts.ClientAuthOid));
        chain.ChainPolicy.VerificationTime = now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        try
        {
            if (!chain.Build(certificate))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct();
                return "Chaîne de certification refusée : " + string.Join(", ", statuses) + ".";
            }
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
        return _crls?.Check(certificate);
    }

    /// <summary>True when the certificate names the clientAuth usage (a certificate with no EKU extension does not).</summary>
    public static bool HasClientAuthUsage(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == CertificateFacts.ClientAuthOid));
    }
}
