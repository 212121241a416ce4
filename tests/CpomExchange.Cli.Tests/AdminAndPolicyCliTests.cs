using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary><c>cpom whoami</c>, <c>cpom policy check</c> and <c>cpom admin agent</c>.</summary>
public sealed class AdminAndPolicyCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-admin-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    [Fact]
    public async Task WhoAmI_ShowsTheOrganisationAndOpenExchanges()
    {
        var result = await CliRunner.RunAsync(As("pst38-agent", "whoami"));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains("Organisation : P.S.T.38 (SPSTI, SIREN 999000102)", result.Out, StringComparison.Ordinal);
        Assert.Contains("Contrat cpom-pst38-2025", result.Out, StringComparison.Ordinal);
        Assert.Contains("suivi-entreprises", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PolicyCheck_PrintsACleanSummaryOfTheFourContracts()
    {
        var result = await CliRunner.RunAsync("policy", "check", GatewayFixture.PoliciesDirectory);
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains("4 contrats", result.Out, StringComparison.Ordinal);
        foreach (var id in new[] { "cpom-cist971-2025", "cpom-prevy-2025", "cpom-satm-2025", "cpom-pst38-2025" })
        {
            Assert.Contains(id, result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PolicyCheck_ListsEveryErrorWithFileAndEntry_AndExitsInvalid()
    {
        var dir = Path.Combine(_work, "policies");
        Directory.CreateDirectory(Path.Combine(dir, "contracts"));
        File.Copy(Path.Combine(GatewayFixture.PoliciesDirectory, "organisations.yaml"), Path.Combine(dir, "organisations.yaml"));
        File.Copy(Path.Combine(GatewayFixture.PoliciesDirectory, "exchanges.yaml"), Path.Combine(dir, "exchanges.yaml"));
        await File.WriteAllTextAsync(Path.Combine(dir, "contracts", "bad.yaml"),
            "id: bad\ntitle: t\nparties:\n  spsti: prevy\n  caisse: carsat-lr\n  dreets: dreets-occitanie\nterm:\n  start: 2026-01-01\n  end: 2025-01-01\nexchanges:\n  - { type: bulletins, purposes: [pdp] }\n");
        var result = await CliRunner.RunAsync("policy", "check", dir);
        Assert.Equal(ExitCodes.InvalidFile, result.Exit);
        Assert.Contains("contracts/bad.yaml [bad] : Période inversée", result.Err, StringComparison.Ordinal);
        Assert.Contains("contracts/bad.yaml [bad / exchanges[bulletins]] : Échange « bulletins » inconnu", result.Err, StringComparison.Ordinal);
    }

    /// <summary>What the gateway answers <c>/api/v1/me</c> for <paramref name="certificate"/>: the agent's id, or the refusal's code.</summary>
    private async Task<(HttpStatusCode Status, string Answer)> MeAsync(X509Certificate2 certificate)
    {
        using var client = GatewayFixture.CreateClient(gateway.DevDirectory, gateway.BaseAddress, certificate);
        using var response = await client.GetAsync("api/v1/me");
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, response.IsSuccessStatusCode
            ? doc.RootElement.GetProperty("agent").GetProperty("id").GetString()!
            : doc.RootElement.GetProperty("code").GetString()!);
    }

    [Fact]
    public async Task AdminAgent_AddListDisableReplace()
    {
        using var first = DevPki.IssueClientCertificate(gateway.Ca, "carsat-pdl-agent-2", "Carsat Pays de la Loire", "999000086", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(20));
        var firstPem = Path.Combine(_work, "first.pem");
        await File.WriteAllTextAsync(firstPem, first.ExportCertificatePem());
        // Not registered yet: the certificate chains, but names no agent.
        Assert.Equal((HttpStatusCode.Unauthorized, "auth.unknown-certificate"), await MeAsync(first));

        var add = await CliRunner.RunAsync(As("admin", "admin", "agent", "add", "--id", "carsat-pdl-agent-2", "--cert", firstPem, "--org", "carsat-pdl", "--roles", "agent,dpo", "--name", "Second agent"));
        Assert.True(add.Exit == ExitCodes.Ok, add.Err);
        Assert.Contains("Agent enregistré : carsat-pdl-agent-2", add.Out, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "carsat-pdl-agent-2"), await MeAsync(first));

        var list = await CliRunner.RunAsync(As("admin", "admin", "agent", "list", "--org", "carsat-pdl", "--json"));
        Assert.Equal(ExitCodes.Ok, list.Exit);
        using (var doc = JsonDocument.Parse(list.Out))
        {
            var listed = Assert.Single(doc.RootElement.GetProperty("agents").EnumerateArray(), a => a.GetProperty("id").GetString() == "carsat-pdl-agent-2");
            Assert.Equal("carsat-pdl", listed.GetProperty("organisation").GetString());
            Assert.Equal(["agent", "dpo"], listed.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.False(listed.GetProperty("disabled").GetBoolean());
        }

        // A new certificate: it works at once, and the old one no longer does.
        using var second = DevPki.IssueClientCertificate(gateway.Ca, "carsat-pdl-agent-2", "Carsat Pays de la Loire", "999000086", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(365));
        var secondPem = Path.Combine(_work, "second.pem");
        await File.WriteAllTextAsync(secondPem, second.ExportCertificatePem());
        var replace = await CliRunner.RunAsync(As("admin", "admin", "agent", "replace-cert", "carsat-pdl-agent-2", "--new-cert", secondPem));
        Assert.True(replace.Exit == ExitCodes.Ok, replace.Err);
        Assert.Contains("Certificat remplacé", replace.Out, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.OK, "carsat-pdl-agent-2"), await MeAsync(second));
        Assert.Equal((HttpStatusCode.Unauthorized, "auth.unknown-certificate"), await MeAsync(first));

        // Disabled: refused with its own code, whichever certificate it presents.
        var disable = await CliRunner.RunAsync(As("admin", "admin", "agent", "disable", "carsat-pdl-agent-2"));
        Assert.True(disable.Exit == ExitCodes.Ok, disable.Err);
        Assert.Contains("désactivé", disable.Out, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, "auth.agent-disabled"), await MeAsync(second));
        Assert.Equal((HttpStatusCode.Unauthorized, "auth.unknown-certificate"), await MeAsync(first));
        // The agents of the same organisation are untouched.
        using var colleague = gateway.Identity("carsat-pdl-agent");
        Assert.Equal((HttpStatusCode.OK, "carsat-pdl-agent"), await MeAsync(colleague));
    }

    [Fact]
    public async Task AdminAgent_ByANonAdmin_IsRefused_InFrench()
    {
        var result = await CliRunner.RunAsync(As("prevy-agent", "admin", "agent", "list"));
        Assert.Equal(ExitCodes.Refused, result.Exit);
        Assert.Contains("réservée au rôle admin", result.Err, StringComparison.Ordinal);
    }
}
