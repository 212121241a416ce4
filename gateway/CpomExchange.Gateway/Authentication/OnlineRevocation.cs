using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Pki;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// <c>Cpom:Tls:RevocationMode</c> <c>Online</c>: the revocation of a client certificate's chain asked
/// of the sources its certificates name (CRL distribution points, OCSP), after the handshake, by the
/// authentication handler (its cache keeps the answer). The platform's check is synchronous, so it
/// runs on threads of its own, never on the thread pool: a slow or silent source holds one of those
/// threads, at most <see cref="MaxConcurrentChecks"/> at once, for at most the configured timeout per
/// URL, and the waiting request holds no thread. Certificate downloads stay disabled: the only URLs
/// fetched are the revocation sources.
/// </summary>
internal sealed class OnlineRevocation
{
    /// <summary>The most checks running at once; further requests wait (asynchronously) for a slot.</summary>
    public const int MaxConcurrentChecks = 4;

    private readonly X509Certificate2Collection _anchors;
    private readonly X509Certificate2Collection _intermediates;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentChecks, MaxConcurrentChecks);

    public OnlineRevocation(X509Certificate2Collection anchors, X509Certificate2Collection intermediates, TimeSpan timeout)
    {
        _anchors = anchors;
        _intermediates = intermediates;
        _timeout = timeout;
    }

    /// <summary>Null when the chain's revocation status is known and good, else why the certificate is refused.</summary>
    public async Task<string?> CheckAsync(X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        // A chain has at most a few elements, each with one list or responder to ask: four timeouts bound it.
        var deadline = _timeout * 4;
        if (!await _slots.WaitAsync(deadline, cancellationToken))
        {
            return "Révocation du certificat invérifiable : trop de vérifications en cours, réessayez.";
        }
        // The connection owns its certificate: the check, which may outlive the request, works on a copy.
        var copy = X509CertificateLoader.LoadCertificate(certificate.RawData);
        var check = Task.Factory.StartNew(() =>
        {
            try
            {
                return Build(copy);
            }
            finally
            {
                copy.Dispose();
                _slots.Release();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await check.WaitAsync(deadline, cancellationToken);
        }
        catch (TimeoutException)
        {
            return "Révocation du certificat invérifiable : la source de révocation ne répond pas.";
        }
    }

    private string? Build(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_anchors);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.Online;
        chain.ChainPolicy.RevocationFlag = X509RevocationFlag.ExcludeRoot;
        chain.ChainPolicy.UrlRetrievalTimeout = _timeout;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(CertificateFacts.ClientAuthOid));
        try
        {
            if (chain.Build(certificate))
            {
                return null;
            }
            var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct();
            return "Révocation du certificat : " + string.Join(", ", statuses) + ".";
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
