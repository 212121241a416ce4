using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace CpomExchange.Gateway.Hosting;

/// <summary>What the gateway's TLS needs: its certificate, the client CAs, their revocation lists and the validator.</summary>
internal sealed record TlsMaterial(
    X509Certificate2 Server, X509Certificate2Collection Anchors, X509Certificate2Collection Intermediates, CrlStore Crls, ClientCertificateValidator Validator);

/// <summary>
/// Kestrel as the gateway runs it: HTTPS only, TLS 1.2/1.3 with ANSSI's suites, a client certificate
/// required and checked at the handshake, the input limits of <c>Cpom:Limits</c>.
/// </summary>
internal static class KestrelSetup
{
    /// <summary>Listens on <paramref name="configuredUrls"/> (HTTPS only) with <paramref name="tls"/> and the limits of <paramref name="options"/>.</summary>
    public static void UseGatewayKestrel(this IWebHostBuilder host, string? configuredUrls, GatewayOptions options, TlsMaterial tls, RefusalLimiter refusals)
    {
        host.UseUrls(ResolveUrls(configuredUrls));
        host.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.Limits.MaxBodyBytes;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(options.Limits.MinRequestBodyBytesPerSecond, TimeSpan.FromSeconds(5));
            kestrel.Limits.RequestHeadersTimeout = options.Limits.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            kestrel.ConfigureEndpointDefaults(listen => listen.UseRefusedAddressGate(refusals));
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = tls.Server;
                https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
                https.HandshakeTimeout = options.Limits.HandshakeTimeout;
                // The certificate is required at the handshake (HTTP/2 forbids renegotiation).
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.CheckCertificateRevocation = false; // done by the validator, as configured
                https.ClientCertificateValidation = (certificate, _, _) => HandshakeGuard.Validate(certificate, tls.Validator, refusals);
                https.OnAuthenticate = (connection, ssl) =>
                {
                    // No network call and a bounded cost for refused certificates, at the handshake too.
                    HandshakeGuard.Prepare(connection, ssl, tls.Validator);
                    // ANSSI (TLS guide): TLS 1.2 only with ECDHE and AES-GCM or ChaCha20-Poly1305;
                    // TLS 1.3 suites are all AEAD. No renegotiation.
                    ssl.AllowRenegotiation = false;
                    if (!OperatingSystem.IsWindows() && !OperatingSystem.IsMacOS())
                    {
                        ssl.CipherSuitesPolicy = TlsPolicy.CipherSuites;
                    }
                };
            });
        });
    }

    private static string[] ResolveUrls(string? configured)
    {
        var urls = string.IsNullOrWhiteSpace(configured)
            ? [GatewayApp.DefaultUrl]
            : configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var plain = urls.FirstOrDefault(u => !u.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
        if (plain is not null)
        {
            throw new InvalidOperationException($"La passerelle n'écoute qu'en HTTPS : adresse « {plain} » refusée (--urls / ASPNETCORE_URLS).");
        }
        return urls;
    }

    /// <summary>
    /// The server's certificate, the client CAs (anchors, intermediates) with their revocation lists,
    /// and the validator built from them; in Development, the development PKI's when none is configured.
    /// </summary>
    public static TlsMaterial LoadTlsMaterial(TlsOptions tls, CpomHome home, IWebHostEnvironment environment, TimeProvider time)
    {
        var development = environment.IsDevelopment();
        string certificatePath, keyPath;
        if (!string.IsNullOrWhiteSpace(tls.ServerCertificate))
        {
            certificatePath = tls.ServerCertificate;
            keyPath = tls.ServerKey ?? throw new InvalidOperationException("Cpom:Tls:ServerKey est requis avec Cpom:Tls:ServerCertificate.");
        }
        else if (development)
        {
            certificatePath = Path.Combine(home.DevDirectory, "gateway.pem");
            keyPath = Path.Combine(home.DevDirectory, "gateway.key");
        }
        else
        {
            throw new InvalidOperationException("Cpom:Tls:ServerCertificate et Cpom:Tls:ServerKey sont requis hors environnement Development.");
        }
        using var pemCertificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Re-import through PKCS#12 so the key is usable by SslStream on every platform.
        var server = X509CertificateLoader.LoadPkcs12(pemCertificate.Export(X509ContentType.Pkcs12), null);

        var anchorFiles = tls.TrustAnchors.Count > 0
            ? tls.TrustAnchors
            : development
                ? [Path.Combine(home.DevDirectory, DevPki.CaFile)]
                : throw new InvalidOperationException("Cpom:Tls:TrustAnchors (autorités de certification des clients) est requis hors environnement Development.");
        var anchors = new X509Certificate2Collection();
        foreach (var file in anchorFiles)
        {
            anchors.ImportFromPemFile(file);
        }
        var intermediates = new X509Certificate2Collection();
        foreach (var file in tls.Intermediates)
        {
            intermediates.ImportFromPemFile(file);
        }
        var issuers = new X509Certificate2Collection();
        issuers.AddRange(anchors);
        issuers.AddRange(intermediates);
        var crls = new CrlStore(tls.CrlFiles, issuers, time);
        return new TlsMaterial(server, anchors, intermediates, crls, new ClientCertificateValidator(anchors, intermediates, tls.RevocationMode, time, crls));
    }
}
