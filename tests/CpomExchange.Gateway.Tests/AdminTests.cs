using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The directory in production: administrators register, list, disable agents and replace certificates.</summary>
public sealed class AdminTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private System.Security.Cryptography.X509Certificates.X509Certificate2 Issue(string cn, string? orgName, string? siren, int days = 30) =>
        DevPki.IssueClientCertificate(gateway.Ca, cn, orgName, siren, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(days));

    private async Task<HttpResponseMessage> RegisterAsync(object body)
    {
        using var admin = gateway.ClientFor("admin");
        return await admin.PostAsJsonAsync("api/v1/admin/agents", body);
    }

    [Fact]
    public async Task RegisteredAgent_CanConnect_AndDisabledAgent_IsRefusedAtOnce()
    {
        using var certificate = Issue("prevy-nouvel-agent", "PREVY", "999000045");
        var response = await RegisterAsync(new { id = "prevy-nouvel-agent", name = "Nouvel agent PREVY", organisation = "prevy", roles = new[] { "agent" }, certificate = certificate.ExportCertificatePem() });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        using var agent = gateway.Client(certificate);
        Assert.Equal(HttpStatusCode.OK, (await agent.GetAsync("api/v1/inbox")).StatusCode);

        using var admin = gateway.ClientFor("admin");
        var disabled = await admin.PatchAsJsonAsync("api/v1/admin/agents/prevy-nouvel-agent", new { disabled = true });
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        var refused = await agent.GetAsync("api/v1/inbox");
        Assert.Equal("auth.agent-disabled", (await refused.ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());

        var list = await admin.GetFromJsonAsync<JsonElement>("api/v1/admin/agents?organisation=prevy");
        var listed = list.GetProperty("agents").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "prevy-nouvel-agent");
        Assert.True(listed.GetProperty("disabled").GetBoolean());
    }

    [Fact]
    public async Task ReplaceCertificate_RenewsTheAgent_AndTheOldCertificateStopsWorking()
    {
        using var old = Issue("satm-renouvele", "SATM", "999000078", days: 10);
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(new { id = "satm-renouvele", name = "Agent SATM", organisation = "satm", roles = new[] { "agent" }, certificate = old.ExportCertificatePem() })).StatusCode);
        using var renewed = Issue("satm-renouvele", "SATM", "999000078", days: 365);
        using var admin = gateway.ClientFor("admin");
        var response = await admin.PatchAsJsonAsync("api/v1/admin/agents/satm-renouvele", new { certificate = renewed.ExportCertificatePem() });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var newClient = gateway.Client(renewed);
        Assert.Equal(HttpStatusCode.OK, (await newClient.GetAsync("api/v1/inbox")).StatusCode);
        using var oldClient = gateway.Client(old);
        Assert.Equal("auth.unknown-certificate", (await (await oldClient.GetAsync("api/v1/inbox")).ReadProblemAsync(HttpStatusCode.Unauthorized)).Code());
    }

    [Fact]
    public async Task Registration_Refuses_CertificatesTheGatewayWouldRefuse()
    {
        using var otherCa = DevPki.CreateCa("Other CA");
        using var foreign = DevPki.IssueClientCertificate(otherCa, "x", "PREVY", "999000045", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        var response = await RegisterAsync(new { id = "prevy-etranger", name = "x", organisation = "prevy", roles = new[] { "agent" }, certificate = foreign.ExportCertificatePem() });
        Assert.Equal("admin.certificate-refused", (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    [Theory]
    [InlineData("prevy", "satm", "999000078", "agent", "auth.organisation-mismatch")]
    [InlineData("carsat-lr", "CARSAT", "999000052", "pdp", "admin.invalid-request")]
    [InlineData("prevy", "PREVY", "999000045", "service-social", "admin.invalid-request")]
    [InlineData("prevy", "PREVY", "999000045", "superuser", "admin.invalid-request")]
    [InlineData("nowhere", "PREVY", "999000045", "agent", "request.unknown-organisation")]
    public async Task Registration_ChecksOrganisationAndRoles(string organisation, string orgName, string siren, string role, string code)
    {
        using var certificate = Issue("candidate-" + role, orgName, siren);
        var response = await RegisterAsync(new { id = "candidate-" + Guid.NewGuid().ToString("N")[..8], name = "Candidat", organisation, roles = new[] { role }, certificate = certificate.ExportCertificatePem() });
        Assert.Equal(code, (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    [Fact]
    public async Task Registration_RefusesADuplicateIdOrCertificate()
    {
        using var certificate = Issue("pst38-double", "P.S.T.38", "999000102");
        var pem = certificate.ExportCertificatePem();
        Assert.Equal(HttpStatusCode.Created, (await RegisterAsync(new { id = "pst38-double", name = "A", organisation = "pst38", roles = new[] { "agent" }, certificate = pem })).StatusCode);
        Assert.Equal("admin.agent-exists", (await (await RegisterAsync(new { id = "pst38-double", name = "B", organisation = "pst38", roles = new[] { "agent" }, certificate = pem })).ReadProblemAsync(HttpStatusCode.Conflict)).Code());
        Assert.Equal("admin.certificate-in-use", (await (await RegisterAsync(new { id = "pst38-double-2", name = "B", organisation = "pst38", roles = new[] { "agent" }, certificate = pem })).ReadProblemAsync(HttpStatusCode.Conflict)).Code());
    }

    [Theory]
    [InlineData("prevy-agent")]
    [InlineData("prevy-dpo")]
    public async Task NonAdmins_CannotAdministerTheDirectory(string identity)
    {
        using var client = gateway.ClientFor(identity);
        Assert.Equal("policy.role-not-allowed", (await (await client.GetAsync("api/v1/admin/agents")).ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        using var certificate = Issue("intrus", "PREVY", "999000045");
        var post = await client.PostAsJsonAsync("api/v1/admin/agents", new { id = "intrus", name = "x", organisation = "prevy", roles = new[] { "agent" }, certificate = certificate.ExportCertificatePem() });
        Assert.Equal("policy.role-not-allowed", (await post.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task Admin_CannotLockThemselvesOut()
    {
        using var admin = gateway.ClientFor("admin");
        var response = await admin.PatchAsJsonAsync("api/v1/admin/agents/admin", new { disabled = true });
        Assert.Equal("admin.self-lockout", (await response.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
    }
}
