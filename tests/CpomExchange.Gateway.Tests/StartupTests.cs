using CpomExchange.Gateway.Hosting;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>The gateway refuses to start on a wrong setting, and says which.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task PlainHttpAddress_IsRefused()
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayApp.CreateAsync(
                ["--environment", "Development", "--urls", "http://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", GatewayFixture.PoliciesDirectory]));
            Assert.Contains("HTTPS", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public async Task UnknownTimeZone_StopsTheStart_NamingTheSetting_BeforeAnythingIsCreated()
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayApp.CreateAsync(
                ["--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", GatewayFixture.PoliciesDirectory,
                    "--Cpom:TimeZone", "Europe/Atlantis"]));
            Assert.Contains("Cpom:TimeZone : fuseau horaire « Europe/Atlantis » inconnu de ce système", e.Message, StringComparison.Ordinal);
            // Refused before the first request, and before the state folder gets a database or a development PKI.
            Assert.Empty(Directory.EnumerateFileSystemEntries(home));
        }
        finally
        {
            CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public async Task SeveralWrongSettings_AreAllReportedAtOnce_EachByName()
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayApp.CreateAsync(
                ["--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", GatewayFixture.PoliciesDirectory,
                    "--Cpom:TimeZone", "Nulle/Part", "--Cpom:Limits:MaxRows", "0", "--Storage:Provider", "Oracle", "--Cpom:Keys:Provider", "Coffre",
                    "--Cpom:AccessLog:CheckpointEverySeconds", "-5"]));
            Assert.Contains("5 réglage(s) invalide(s)", e.Message, StringComparison.Ordinal);
            foreach (var setting in new[] { "Cpom:TimeZone", "Cpom:Limits:MaxRows", "Storage:Provider", "Cpom:Keys:Provider", "Cpom:AccessLog:CheckpointEverySeconds" })
            {
                Assert.Contains("\n- " + setting, e.Message, StringComparison.Ordinal);
            }
            Assert.Empty(Directory.EnumerateFileSystemEntries(home));
        }
        finally
        {
            CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
            Directory.Delete(home, true);
        }
    }

    [Fact]
    public async Task InvalidPolicy_IsRefused_NamingFileAndEntry()
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        var policies = Directory.CreateTempSubdirectory("cpom-policies-").FullName;
        try
        {
            File.Copy(Path.Combine(GatewayFixture.PoliciesDirectory, "organisations.yaml"), Path.Combine(policies, "organisations.yaml"));
            Directory.CreateDirectory(Path.Combine(policies, "contracts"));
            await File.WriteAllTextAsync(Path.Combine(policies, "contracts", "broken.yaml"),
                "id: cpom-broken\ntitle: x\nparties:\n  spsti: prevy\n  caisse: carsat-nowhere\n  dreets: dreets-occitanie\nterm:\n  start: 2025-01-01\n  end: 2024-01-01\n");
            var e = await Assert.ThrowsAsync<PolicyException>(() => GatewayApp.CreateAsync(
                ["--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", policies]));
            Assert.Contains(e.Errors, x => x.File == "contracts/broken.yaml" && x.Entry == "cpom-broken" && x.Message.Contains("carsat-nowhere", StringComparison.Ordinal));
            Assert.Contains(e.Errors, x => x.File == "contracts/broken.yaml" && x.Message.Contains("inversée", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(home, true);
            Directory.Delete(policies, true);
        }
    }

    [Fact]
    public async Task Production_WithoutTlsMaterial_IsRefused()
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayApp.CreateAsync(
                ["--environment", "Production", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", GatewayFixture.PoliciesDirectory]));
            Assert.Contains("Cpom:Tls:ServerCertificate", e.Message, StringComparison.Ordinal);
            // Outside Development no demo identity is ever created.
            Assert.False(Directory.Exists(Path.Combine(home, "dev")));
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }
}
