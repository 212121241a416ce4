using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// An HTTP listener on the loopback standing for a PKI's publication point: records every request,
/// serves the lists it is given, 404 otherwise, or never answers (<see cref="Silent"/>).
/// </summary>
public sealed class PublicationPoint : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public PublicationPoint()
    {
        _listener.Start();
        _ = Task.Run(AcceptAsync);
    }

    public string Url(string path) => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/{path}";

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public bool Silent { get; set; }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[8192];
                var read = await stream.ReadAsync(buffer, _stop.Token);
                var line = System.Text.Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0];
                var path = line.Split(' ').ElementAtOrDefault(1)?.TrimStart('/') ?? "?";
                Requests.Enqueue(path);
                if (Silent)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                var body = Files.TryGetValue(path, out var file) ? file : null;
                var head = body is null
                    ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    : $"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), _stop.Token);
                if (body is not null)
                {
                    await stream.WriteAsync(body, _stop.Token);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // Stopped, or the gateway gave up: what matters is recorded.
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}

/// <summary>
/// A gateway whose client (registered to PREVY) holds a certificate from an intermediate CA, both
/// naming the <see cref="PublicationPoint"/> as their CA issuers (AIA), OCSP responder and CRL
/// distribution point; the intermediate is configured or not, the revocation mode as given.
/// </summary>
/// <remarks>
/// <paramref name="revocationTimeout"/> (default 1 s) bounds each revocation source: short for a silent source's test;
/// longer where a source must answer, since the first online check of a test process also compiles its HTTP path.
/// </remarks>
public sealed class PublicationPointGateway(X509RevocationMode mode, bool intermediateConfigured, PublicationPoint point, TimeSpan? revocationTimeout = null) : GatewayFixture
{
    public X509Certificate2 Published { get; private set; } = null!;

    public X509Certificate2 Intermediate { get; private set; } = null!;

    protected override void Configure(WebApplicationBuilder builder)
    {
        var home = new CpomHome(Home);
        using var db = CpomDatabase.OpenAsync(Storage, home).GetAwaiter().GetResult();
        DevPki.EnsureAsync(home, PolicyLoader.Load(PoliciesDirectory), db).GetAwaiter().GetResult();
        // A root of its own beside the development CA (whose path length forbids intermediates).
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rootRequest = new CertificateRequest("C=FR, O=CpomExchange (essai), CN=Racine publiée", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        File.WriteAllText(Path.Combine(Home, "racine.pem"), root.ExportCertificatePem());
        builder.Configuration["Cpom:Tls:TrustAnchors:0"] = Path.Combine(DevDirectory, DevPki.CaFile);
        builder.Configuration["Cpom:Tls:TrustAnchors:1"] = Path.Combine(Home, "racine.pem");
        Intermediate = Issue(root, "CpomExchange Intermédiaire", ca: true, "intermediaire");
        Published = Issue(Intermediate, "prevy-publie", ca: false, "client");
        AgentDirectory.RegisterIfAbsentAsync(db, "prevy-publie", "Agent PREVY", "prevy", ["agent"], Published).GetAwaiter().GetResult();
        // The lists a revocation check asks for: the root's (for the intermediate) and the intermediate's (for the client).
        point.Files["intermediaire.crl"] = new CertificateRevocationListBuilder().Build(root, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        point.Files["client.crl"] = new CertificateRevocationListBuilder().Build(Intermediate, 1, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        if (intermediateConfigured)
        {
            File.WriteAllText(Path.Combine(Home, "intermediaire.pem"), Intermediate.ExportCertificatePem());
            builder.Configuration["Cpom:Tls:Intermediates:0"] = Path.Combine(Home, "intermediaire.pem");
        }
        builder.Configuration["Cpom:Tls:RevocationMode"] = mode.ToString();
        builder.Configuration["Cpom:Tls:RevocationTimeout"] = (revocationTimeout ?? TimeSpan.FromSeconds(1)).ToString("c", System.Globalization.CultureInfo.InvariantCulture);
    }

    private X509Certificate2 Issue(X509Certificate2 issuer, string commonName, bool ca, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCountryOrRegion("FR");
        subject.AddOrganizationName(ca ? "CpomExchange (développement)" : "PREVY");
        if (!ca)
        {
            subject.Add(CertificateFacts.OrganizationIdentifierOid, "NTRFR-999000045", System.Formats.Asn1.UniversalTagNumber.UTF8String);
        }
        subject.AddCommonName(commonName);
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature, true));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(CertificateFacts.ClientAuthOid)], false));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        request.CertificateExtensions.Add(new X509AuthorityInformationAccessExtension([point.Url(name + ".ocsp")], [point.Url(name + "-issuer.cer")]));
        request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([point.Url(name + ".crl")]));
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        // Never beyond the issuer's end: the intermediate was issued for 30 days a moment before, and a
        // second ticking between the two "now + 30 days" made Create refuse (a race that failed the test).
        var issuerEnd = new DateTimeOffset(issuer.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var end = DateTimeOffset.UtcNow.AddDays(30);
        using var issued = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-10), end > issuerEnd ? issuerEnd : end, serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>A client presenting only <see cref="Published"/> (no intermediate), which itself fetches nothing.</summary>
    public HttpClient PublishedClient()
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificateContext = SslStreamCertificateContext.Create(Published, [], offline: true),
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
        return new HttpClient(handler) { BaseAddress = BaseAddress };
    }
}

/// <summary>
/// No network call on behalf of a client certificate: not during the handshake, in any revocation
/// mode; with <c>Online</c>, only the revocation sources, after the handshake, bounded in time.
/// </summary>
public sealed class HandshakeNetworkTests
{
    private static async Task<HttpStatusCode?> MeAsync(PublicationPointGateway gateway)
    {
        using var client = gateway.PublishedClient();
        try
        {
            return (await client.GetAsync("api/v1/me")).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // refused at the handshake
        }
    }

    [Theory]
    [InlineData(X509RevocationMode.NoCheck)]
    [InlineData(X509RevocationMode.Offline)]
    public async Task MissingIntermediate_IsRefused_WithoutFetchingItFromTheCertificatesUrl(X509RevocationMode mode)
    {
        using var point = new PublicationPoint();
        var gateway = new PublicationPointGateway(mode, intermediateConfigured: false, point);
        await gateway.InitializeAsync();
        try
        {
            Assert.Null(await MeAsync(gateway));
            Assert.Empty(point.Requests);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(X509RevocationMode.NoCheck, HttpStatusCode.OK)]
    [InlineData(X509RevocationMode.Offline, null)]
    public async Task CompleteChain_ContactsNothing(X509RevocationMode mode, HttpStatusCode? expected)
    {
        using var point = new PublicationPoint();
        var gateway = new PublicationPointGateway(mode, intermediateConfigured: true, point);
        await gateway.InitializeAsync();
        try
        {
            // Offline: no list in the platform's cache, so the revocation status is unknown: refused, and nothing asked.
            Assert.Equal(expected, await MeAsync(gateway));
            Assert.Empty(point.Requests);
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Online_AsksOnlyTheRevocationSources_AfterTheHandshake()
    {
        using var point = new PublicationPoint();
        // The local publication point answers at once: the timeout only keeps a loaded machine's first online check from failing.
        var gateway = new PublicationPointGateway(X509RevocationMode.Online, intermediateConfigured: true, point, TimeSpan.FromSeconds(15));
        await gateway.InitializeAsync();
        try
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(gateway));
            Assert.NotEmpty(point.Requests);
            Assert.All(point.Requests, path => Assert.True(path.EndsWith(".crl", StringComparison.Ordinal) || path.EndsWith(".ocsp", StringComparison.Ordinal), path));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Online_SilentSource_RefusesWithinItsTimeout()
    {
        using var point = new PublicationPoint { Silent = true };
        var gateway = new PublicationPointGateway(X509RevocationMode.Online, intermediateConfigured: true, point);
        await gateway.InitializeAsync();
        try
        {
            using var client = gateway.PublishedClient();
            var response = await client.GetAsync("api/v1/me");
            Assert.Equal("auth.certificate-invalid", (await response.ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());
            Assert.NotEmpty(point.Requests);
            Assert.DoesNotContain(point.Requests, path => path.EndsWith("-issuer.cer", StringComparison.Ordinal));
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }
}
