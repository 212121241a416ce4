using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Infrastructure.Agents;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The binding keeps the agents it read, by fingerprint, with the directory's version: every change
/// of the directory must still take effect at the very next request, on the keep-alive connection
/// that was already bound, whoever made the change (the admin API, an operator's SQL).
/// </summary>
public sealed class DirectoryBindingTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private X509Certificate2 Issue(string cn) =>
        DevPki.IssueClientCertificate(gateway.Ca, cn, "PREVY", "999000045", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));

    private async Task RegisterAsync(string id, X509Certificate2 certificate, params string[] roles)
    {
        using var admin = gateway.ClientFor("admin");
        var response = await admin.PostAsJsonAsync("api/v1/admin/agents", new { id, name = "Agent " + id, organisation = "prevy", roles, certificate = certificate.ExportCertificatePem() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static async Task<string> RolesAsync(HttpClient client)
    {
        var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");
        return string.Join(",", me.GetProperty("agent").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task ChangedRoles_AreSeenAtTheNextRequest_OfAConnectionAlreadyBound()
    {
        using var certificate = Issue("prevy-roles");
        await RegisterAsync("prevy-roles", certificate, "agent");
        using var client = gateway.Client(certificate);
        Assert.Equal("agent", await RolesAsync(client));
        Assert.Equal("agent", await RolesAsync(client)); // bound and kept

        using var admin = gateway.ClientFor("admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync("api/v1/admin/agents/prevy-roles", new { roles = new[] { "agent", "dpo" } })).StatusCode);
        Assert.Equal("agent,dpo", await RolesAsync(client));
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync("api/v1/admin/agents/prevy-roles", new { roles = new[] { "dpo" } })).StatusCode);
        Assert.Equal("dpo", await RolesAsync(client));
    }

    [Fact]
    public async Task ReplacedCertificate_IsRefusedAtTheNextRequest_OfAConnectionAlreadyBound()
    {
        using var old = Issue("prevy-renouvele");
        await RegisterAsync("prevy-renouvele", old, "agent");
        using var oldClient = gateway.Client(old);
        Assert.Equal(HttpStatusCode.OK, (await oldClient.GetAsync("api/v1/inbox")).StatusCode);

        using var renewed = Issue("prevy-renouvele");
        using var admin = gateway.ClientFor("admin");
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync("api/v1/admin/agents/prevy-renouvele", new { certificate = renewed.ExportCertificatePem() })).StatusCode);
        Assert.Equal("auth.unknown-certificate", (await (await oldClient.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());
        using var newClient = gateway.Client(renewed);
        Assert.Equal(HttpStatusCode.OK, (await newClient.GetAsync("api/v1/inbox")).StatusCode);
    }

    [Fact]
    public async Task AnOperatorsChangeInTheDatabase_IsSeenAtTheNextRequest()
    {
        using var certificate = Issue("prevy-sql");
        await RegisterAsync("prevy-sql", certificate, "agent");
        using var client = gateway.Client(certificate);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/inbox")).StatusCode);

        // Not through the gateway: one UPDATE statement, as an operator would run it.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var before = await AgentDirectory.VersionAsync(db);
            Assert.Equal(1, await db.Agents.Where(a => a.Id == "prevy-sql").ExecuteUpdateAsync(s => s.SetProperty(a => a.Disabled, true)));
            Assert.Equal(before + 1, await AgentDirectory.VersionAsync(db));
        }
        Assert.Equal("auth.agent-disabled", (await (await client.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());

        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal(1, await db.Agents.Where(a => a.Id == "prevy-sql").ExecuteDeleteAsync());
        }
        Assert.Equal("auth.unknown-certificate", (await (await client.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());
    }
}

/// <summary>
/// Two instances sharing one PostgreSQL database: a change made through one instance's admin API is
/// seen by the other at its next request, on a connection the other had already bound.
/// </summary>
public sealed class DirectoryBindingInstancesTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    private static async Task<string> RolesAsync(HttpClient client)
    {
        var me = await client.GetFromJsonAsync<JsonElement>("api/v1/me");
        return string.Join(",", me.GetProperty("agent").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task AChangeThroughInstanceA_TakesEffectOnInstanceB_AtItsNextRequest()
    {
        using var ca = DevPki.LoadCa(fixture.DevDirectory);
        using var certificate = DevPki.IssueClientCertificate(ca, "prevy-deux", "PREVY", "999000045", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        using var adminA = fixture.Client(fixture.A, "admin");
        Assert.Equal(HttpStatusCode.Created, (await adminA.PostAsJsonAsync("api/v1/admin/agents",
            new { id = "prevy-deux", name = "Agent à deux instances", organisation = "prevy", roles = new[] { "agent" }, certificate = certificate.ExportCertificatePem() })).StatusCode);
        using var onB = GatewayFixture.CreateClient(fixture.DevDirectory, fixture.B.BaseAddress, certificate);
        Assert.Equal("agent", await RolesAsync(onB));
        Assert.Equal("agent", await RolesAsync(onB)); // bound and kept by B

        Assert.Equal(HttpStatusCode.OK, (await adminA.PatchAsJsonAsync("api/v1/admin/agents/prevy-deux", new { disabled = true })).StatusCode);
        Assert.Equal("auth.agent-disabled", (await (await onB.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());

        Assert.Equal(HttpStatusCode.OK, (await adminA.PatchAsJsonAsync("api/v1/admin/agents/prevy-deux", new { disabled = false, roles = new[] { "agent", "dpo" } })).StatusCode);
        Assert.Equal("agent,dpo", await RolesAsync(onB));

        using var renewed = DevPki.IssueClientCertificate(ca, "prevy-deux", "PREVY", "999000045", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(60));
        Assert.Equal(HttpStatusCode.OK, (await adminA.PatchAsJsonAsync("api/v1/admin/agents/prevy-deux", new { certificate = renewed.ExportCertificatePem() })).StatusCode);
        Assert.Equal("auth.unknown-certificate", (await (await onB.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());
        using var renewedOnB = GatewayFixture.CreateClient(fixture.DevDirectory, fixture.B.BaseAddress, renewed);
        Assert.Equal("agent,dpo", await RolesAsync(renewedOnB));
    }
}
