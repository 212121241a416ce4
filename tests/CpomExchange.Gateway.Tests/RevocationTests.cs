using System.Net;
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

/// <summary>A gateway reading a CRL, made for the run by the development CA, that revokes one registered agent.</summary>
public sealed class RevocationFixture : GatewayFixture
{
    public string CrlFile => Path.Combine(Home, "revoked.crl");

    public X509Certificate2 Revoked { get; private set; } = null!;

    protected override void Configure(WebApplicationBuilder builder)
    {
        // The development PKI exists before the gateway starts, so that the CRL can be signed by its CA.
        var home = new CpomHome(Home);
        using (var db = CpomDatabase.OpenAsync(Storage, home).GetAwaiter().GetResult())
        {
            DevPki.EnsureAsync(home, PolicyLoader.Load(PoliciesDirectory), db).GetAwaiter().GetResult();
            using var ca = DevPki.LoadCa(DevDirectory);
            Revoked = DevPki.IssueClientCertificate(ca, "prevy-revoque", "PREVY", "999000045", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
            AgentDirectory.RegisterIfAbsentAsync(db, "prevy-revoque", "Agent révoqué", "prevy", ["agent"], Revoked).GetAwaiter().GetResult();
            WriteCrl(ca, Revoked);
        }
        builder.Configuration["Cpom:Tls:CrlFiles:0"] = CrlFile;
    }

    public void WriteCrl(X509Certificate2 ca, params X509Certificate2[] revoked)
    {
        var crl = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            crl.AddEntry(certificate);
        }
        var bytes = crl.Build(ca, System.Numerics.BigInteger.One + revoked.Length, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        File.WriteAllBytes(CrlFile + ".tmp", bytes);
        File.Move(CrlFile + ".tmp", CrlFile, overwrite: true);
        File.SetLastWriteTimeUtc(CrlFile, DateTime.UtcNow.AddSeconds(revoked.Length)); // a visible change even within one clock tick
    }
}

/// <summary>Revocation by CRL files: a revoked client certificate is refused at the handshake; a new list applies without restart.</summary>
public sealed class RevocationTests(RevocationFixture gateway) : IClassFixture<RevocationFixture>
{
    [Fact]
    public async Task RevokedCertificate_IsRefusedAtHandshake_OthersAreNot_AndANewListAppliesWithoutRestart()
    {
        using (var revoked = gateway.Client(gateway.Revoked))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => revoked.GetAsync("api/v1/inbox"));
        }
        using (var satm = gateway.ClientFor("satm-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await satm.GetAsync("api/v1/inbox")).StatusCode);
        }

        // The CA revokes satm-agent too: the next connection is refused, no restart.
        using (var ca = DevPki.LoadCa(gateway.DevDirectory))
        using (var satmCertificate = gateway.Identity("satm-agent"))
        {
            gateway.WriteCrl(ca, gateway.Revoked, satmCertificate);
        }
        using (var satm = gateway.ClientFor("satm-agent"))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => satm.GetAsync("api/v1/inbox"));
        }
        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await prevy.GetAsync("api/v1/inbox")).StatusCode);
        }

        // A forged list (not signed by a trusted CA) fails closed: every client is refused.
        using (var other = DevPki.CreateCa("Autre autorité"))
        {
            var forged = new CertificateRevocationListBuilder().Build(other, System.Numerics.BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
            await File.WriteAllBytesAsync(gateway.CrlFile, forged);
            File.SetLastWriteTimeUtc(gateway.CrlFile, DateTime.UtcNow.AddMinutes(5));
        }
        using (var prevy = gateway.ClientFor("prevy-agent"))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => prevy.GetAsync("api/v1/inbox"));
        }
    }
}
