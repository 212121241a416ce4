using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>Mutual TLS and the directory of agents, through real Kestrel with certificates made for the run.</summary>
public sealed class AuthenticationTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task RegisteredAgent_IsAuthenticated()
    {
        using var client = gateway.ClientFor("carsat-lr-agent");
        var response = await client.GetAsync("api/v1/inbox");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task NoClientCertificate_IsRefusedAtHandshake()
    {
        using var client = gateway.Client(null);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/inbox"));
    }

    [Fact]
    public async Task CertificateFromAnotherCa_IsRefusedAtHandshake()
    {
        using var otherCa = DevPki.CreateCa("Another CA");
        using var certificate = DevPki.IssueClientCertificate(otherCa, "intruder", "PREVY", "999000045", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var client = gateway.Client(certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/inbox"));
    }

    [Fact]
    public async Task ExpiredCertificate_IsRefusedAtHandshake_EvenWhenRegistered()
    {
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "expired-agent", "PREVY", "999000045",
            new DateTimeOffset(gateway.Ca.NotBefore.ToUniversalTime()), DateTimeOffset.UtcNow.AddMinutes(-1));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, "expired-agent", "Agent expiré", "prevy", ["agent"], certificate);
        }
        using var client = gateway.Client(certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/inbox"));
    }

    [Fact]
    public async Task SelfSignedCertificate_IsRefusedAtHandshake()
    {
        using var selfSigned = DevPki.CreateCa("prevy-agent");
        using var client = gateway.Client(selfSigned);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/inbox"));
    }

    [Fact]
    public async Task CertificateWithoutClientAuthUsage_IsRefusedAtHandshake()
    {
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "server-only", "PREVY", "999000045",
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), clientAuth: false);
        using var client = gateway.Client(certificate);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("api/v1/inbox"));
    }

    [Fact]
    public async Task ValidButUnregisteredCertificate_IsRefused()
    {
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "stranger", "PREVY", "999000045",
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var client = gateway.Client(certificate);
        var response = await client.GetAsync("api/v1/inbox");
        var problem = await response.ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("auth.unknown-certificate", problem.Code());
    }

    [Fact]
    public async Task CertificateNamingAnotherOrganisation_IsRefused()
    {
        // A certificate whose organizationIdentifier is SATM's SIREN, registered to a PREVY agent.
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "mismatch-agent", "SATM", "999000078",
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, "mismatch-agent", "Agent incohérent", "prevy", ["agent"], certificate);
        }
        using var client = gateway.Client(certificate);
        var problem = await (await client.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("auth.organisation-mismatch", problem.Code());
    }

    [Fact]
    public async Task DisabledAgent_IsRefused()
    {
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, "disabled-agent", "PREVY", "999000045",
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            await AgentDirectory.RegisterIfAbsentAsync(db, "disabled-agent", "Agent désactivé", "prevy", ["agent"], certificate);
            var agent = db.Agents.Single(a => a.Id == "disabled-agent");
            agent.Disabled = true;
            await db.SaveChangesAsync();
        }
        using var client = gateway.Client(certificate);
        var problem = await (await client.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("auth.agent-disabled", problem.Code());
    }

    [Fact]
    public async Task ForgedIdentityHeaders_AreIgnored()
    {
        // A dataset the forged identity (the CARSAT LR's agent) sees in its inbox.
        using var prevy = gateway.ClientFor("prevy-agent");
        using var csv = new ByteArrayContent(File.ReadAllBytes(Path.Combine(GatewayFixture.SamplesDirectory, "adherents.csv")));
        csv.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var upload = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", csv);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var seeded = (await upload.Content.ReadFromJsonAsync<DatasetShape>())!.Id;
        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            var real = await carsat.GetFromJsonAsync<InboxShape>("api/v1/inbox");
            Assert.Contains(real!.Datasets, d => d.Id == seeded);
        }

        using var client = gateway.ClientFor("satm-agent");
        HttpRequestMessage Forged(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("X-Client-Cert", "forged");
            request.Headers.Add("X-ARR-ClientCert", "forged");
            request.Headers.Add("X-Forwarded-Client-Cert", "By=spiffe://x;Hash=00;Subject=\"CN=carsat-lr-agent\"");
            request.Headers.Add("X-SSL-Client-S-DN", "CN=carsat-lr-agent");
            // Identity by name, as an authenticating proxy or a careless handler would pass it on.
            request.Headers.Add("X-Agent", "carsat-lr-agent");
            request.Headers.Add("X-Remote-User", "carsat-lr-agent");
            request.Headers.Add("X-Forwarded-User", "carsat-lr-agent");
            return request;
        }
        using (var meRequest = Forged("api/v1/me"))
        {
            var me = await client.SendAsync(meRequest);
            Assert.Equal(HttpStatusCode.OK, me.StatusCode);
            var identity = await me.Content.ReadFromJsonAsync<MeShape>();
            Assert.Equal("satm-agent", identity!.Agent.Id);
            Assert.Equal("satm", identity.Organisation?.Id);
        }
        using var inboxRequest = Forged("api/v1/inbox");
        var response = await client.SendAsync(inboxRequest);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var inbox = await response.Content.ReadFromJsonAsync<InboxShape>();
        Assert.NotNull(inbox);
        Assert.DoesNotContain(inbox.Datasets, d => d.Id == seeded);
        Assert.DoesNotContain(inbox.Datasets, d => d.To != "satm");
    }

    private sealed record InboxShape(List<DatasetShape> Datasets);

    private sealed record DatasetShape(string Id, string To);

    private sealed record MeShape(IdShape Agent, IdShape? Organisation);

    private sealed record IdShape(string Id);
}
