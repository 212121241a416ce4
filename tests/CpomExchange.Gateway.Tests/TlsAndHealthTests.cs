using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The TLS face (protocols, suites) and the health endpoints, security headers. Linux: cipher suite policies need OpenSSL.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TlsAndHealthTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private Task<(bool Connected, SslProtocols Protocol, TlsCipherSuite Suite)> HandshakeAsync(SslProtocols protocols, TlsCipherSuite[]? suites = null) =>
        HandshakeAsync(gateway.BaseAddress.Port, protocols, suites);

    private async Task<(bool Connected, SslProtocols Protocol, TlsCipherSuite Suite)> HandshakeAsync(int port, SslProtocols protocols, TlsCipherSuite[]? suites)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(gateway.BaseAddress.Host, port);
        using var certificate = gateway.Identity("prevy-agent");
        await using var ssl = new SslStream(tcp.GetStream());
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            EnabledSslProtocols = protocols,
            ClientCertificates = [certificate],
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
            CipherSuitesPolicy = suites is null ? null : new CipherSuitesPolicy(suites),
        };
        try
        {
            await ssl.AuthenticateAsClientAsync(options);
            // A refused client certificate shows at the first read in TLS 1.3.
            await ssl.WriteAsync("GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await ssl.ReadAsync(buffer);
            return (read > 0, ssl.SslProtocol, ssl.NegotiatedCipherSuite);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            return (false, SslProtocols.None, default);
        }
    }

    [Fact]
    public async Task Tls13_AndTls12WithEcdheAead_AreAccepted()
    {
        var tls13 = await HandshakeAsync(SslProtocols.Tls13);
        Assert.True(tls13.Connected);
        Assert.Equal(SslProtocols.Tls13, tls13.Protocol);
        var tls12 = await HandshakeAsync(SslProtocols.Tls12, [TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]);
        Assert.True(tls12.Connected);
        Assert.Equal(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls12.Suite);
    }

    [Theory]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256)]
    [InlineData(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)]
    public async Task Tls12WithCbcSuites_IsRefused(TlsCipherSuite suite)
    {
        // Control: this client offers the suite and completes a handshake with it against a server
        // that accepts it (same certificate, same protocol), so the gateway's refusal is the gateway's.
        var control = await ControlServerHandshakeAsync(suite);
        Assert.True(control.Connected);
        Assert.Equal(SslProtocols.Tls12, control.Protocol);
        Assert.Equal(suite, control.Suite);

        var gatewayHandshake = await HandshakeAsync(SslProtocols.Tls12, [suite]);
        Assert.False(gatewayHandshake.Connected, $"The gateway completed a handshake with {gatewayHandshake.Protocol} {gatewayHandshake.Suite}.");
    }

    /// <summary>A TLS 1.2 server on the loopback that accepts only <paramref name="suite"/>, with the gateway's certificate; the same client handshake against it.</summary>
    private async Task<(bool Connected, SslProtocols Protocol, TlsCipherSuite Suite)> ControlServerHandshakeAsync(TlsCipherSuite suite)
    {
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(gateway.DevDirectory, "gateway.pem"), Path.Combine(gateway.DevDirectory, "gateway.key"));
        using var serverCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var serve = Task.Run(async () =>
            {
                using var accepted = await listener.AcceptTcpClientAsync();
                await using var server = new SslStream(accepted.GetStream());
                try
                {
                    await server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = serverCertificate,
                        EnabledSslProtocols = SslProtocols.Tls12,
                        CipherSuitesPolicy = new CipherSuitesPolicy([suite]),
                        ClientCertificateRequired = false,
                    });
                    var buffer = new byte[256];
                    _ = await server.ReadAsync(buffer);
                    await server.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
                }
                catch (Exception e) when (e is AuthenticationException or IOException)
                {
                    // The client's side reports the failure.
                }
            });
            var result = await HandshakeAsync(((IPEndPoint)listener.LocalEndpoint).Port, SslProtocols.Tls12, [suite]);
            await serve;
            return result;
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task HealthEndpoints_AndSecurityHeaders()
    {
        using var client = gateway.ClientFor("prevy-agent");
        var live = await client.GetAsync("health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains", live.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal("nosniff", live.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-store", live.Headers.CacheControl?.ToString());

        var ready = await client.GetAsync("health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var doc = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.True(doc.RootElement.GetProperty("ready").GetBoolean());
        Assert.Equal(3, doc.RootElement.GetProperty("checks").GetArrayLength());

        // Unregistered but trusted certificate (a monitoring probe): health answers, data does not.
        using var probe = CpomExchange.Infrastructure.Pki.DevPki.IssueClientCertificate(gateway.Ca, "sonde", null, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var monitoring = gateway.Client(probe);
        Assert.Equal(HttpStatusCode.OK, (await monitoring.GetAsync("health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await monitoring.GetAsync("api/v1/inbox")).StatusCode);
    }
}
