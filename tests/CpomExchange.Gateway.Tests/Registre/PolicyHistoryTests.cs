using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests.Registre;

/// <summary>
/// A policy change as a DPO reconstructs it: the new version in the history with its hash and the moment
/// it came into force, the access-log entries made under each version naming it, and what changed. Here
/// the change is a third-party authorisation (seed 001 art. 8): refused before it, allowed and logged
/// under every controller concerned after.
/// </summary>
public sealed class PolicyHistoryTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Adherents = "siret\n10433218419605\n";
    private const string Disclosure = "type=adherents&to=carsat-lr&purpose=ciblage";

    [Fact]
    public async Task APolicyChange_IsInTheHistory_AndEachLogEntryNamesThePolicyItWasDecidedUnder()
    {
        var first = gateway.Services.GetRequiredService<PolicySet>().Hash;
        // Under the seed policy, pst38 and carsat-lr share no contract: refused, logged under pst38 with the policy's hash.
        using (var refused = await gateway.PostCsvAsync("pst38-agent", Disclosure, Adherents))
        {
            Assert.Equal("policy.no-contract", (await refused.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        }
        var before = await gateway.LogEntriesWhereAsync("pst38-dpo", "action=upload&outcome=denied");
        Assert.Equal([first], before.Select(e => e.GetProperty("policy").GetString()));

        using var copy = new PolicyFolder();
        copy.Write(PolicyFiles.AuthorisationsFile, """
            authorisations:
              - reference: "PST38/CARSAT-LR 2026-02"
                date: 2026-01-05
                until: 2027-12-31
                contract: cpom-pst38-2025
                from: pst38
                to: carsat-lr
                exchanges: [adherents]
                purpose: ciblage
            """);
        var deployed = DateTimeOffset.UtcNow;
        await using var second = await StartAsync(copy.Path);
        var address = new Uri(second.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");
        var secondHash = second.Services.GetRequiredService<PolicySet>().Hash;
        Assert.NotEqual(first, secondHash);

        using (var agent = GatewayFixture.CreateClient(gateway.DevDirectory, address, gateway.Identity("pst38-agent")))
        using (var allowed = await agent.PostAsync("api/v1/datasets?" + Disclosure, Calls.Csv(Adherents)))
        {
            var id = await allowed.IdAsync();
            // Logged under the discloser, the third party and every other party of the contract whose data it is.
            foreach (var dpo in new[] { "pst38-dpo", "carsat-lr-dpo", "carsat-ra-dpo", "dreets-aura-dpo" })
            {
                var entries = await gateway.LogEntriesAsync(dpo, id);
                Assert.Equal([("upload", secondHash)], entries.Select(e => (e.GetProperty("action").GetString(), e.GetProperty("policy").GetString())));
            }
            Assert.Empty(await gateway.LogEntriesAsync("prevy-dpo", id));
        }

        using var client = gateway.ClientFor("pst38-dpo");
        var history = await client.GetFromJsonAsync<JsonElement>("api/v1/policy/versions");
        var versions = history.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([first, secondHash], versions.Select(v => v.GetProperty("hash").GetString()));
        var from = versions[1].GetProperty("inForceFrom").GetDateTimeOffset();
        Assert.InRange(from, deployed.AddSeconds(-1), DateTimeOffset.UtcNow);
        Assert.Equal(from, versions[0].GetProperty("inForceUntil").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, versions[1].GetProperty("inForceUntil").ValueKind);

        var diff = await client.GetFromJsonAsync<JsonElement>($"api/v1/policy/diff?from={first[..8]}&to={secondHash[..12]}");
        var changed = Assert.Single(diff.GetProperty("files").EnumerateArray());
        Assert.Equal((PolicyFiles.AuthorisationsFile, "added"), (changed.GetProperty("file").GetString(), changed.GetProperty("status").GetString()));
        Assert.Contains("+  - reference: \"PST38/CARSAT-LR 2026-02\"", changed.GetProperty("lines").EnumerateArray().Select(l => l.GetString()));
    }

    /// <summary>A second instance on the fixture's state and database, running the policy in <paramref name="policies"/>.</summary>
    private async Task<WebApplication> StartAsync(string policies)
    {
        var app = await GatewayApp.CreateAsync(
        [
            .. GatewayFixture.StorageArguments(gateway.Storage),
            "--environment", "Development",
            "--urls", "https://127.0.0.1:0",
            "--Cpom:Home", gateway.Home,
            "--Cpom:Policies", policies,
            "--Cpom:Policy:DeployedBy", "test",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        await app.StartAsync();
        return app;
    }
}

/// <summary>A throw-away copy of the repository's policy folder, to add or change a file.</summary>
internal sealed class PolicyFolder : IDisposable
{
    public PolicyFolder()
    {
        Path = Directory.CreateTempSubdirectory("cpom-policies-").FullName;
        foreach (var file in Directory.GetFiles(TestPaths.Policies, "*.yaml", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(TestPaths.Policies, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Path { get; }

    public void Write(string relative, string content) => File.WriteAllText(System.IO.Path.Combine(Path, relative), content);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
