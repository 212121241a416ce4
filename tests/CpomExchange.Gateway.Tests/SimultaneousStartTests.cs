using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Two instances, state folders of their own, started at the same instant on a database that has no
/// pseudonymisation key yet, on either provider: one key is made, both use it, and the shared key
/// folder holds one of each key file, whole.
/// </summary>
public sealed class SimultaneousStartTests
{
    [Theory]
    [InlineData(StorageOptions.Sqlite)]
    [InlineData(StorageOptions.Postgres)]
    public async Task TwoInstancesStartingTogether_MakeOnePseudonymisationKey_AndBothUseIt(string provider)
    {
        var root = Directory.CreateTempSubdirectory("cpom-together-").FullName;
        var storage = provider == StorageOptions.Postgres
            ? await (await PostgresServer.GetAsync()).CreateStorageAsync()
            : new StorageOptions { ConnectionString = $"Data Source={Path.Combine(root, "shared.db")};Default Timeout=30" };
        var keys = Path.Combine(root, "shared-keys");
        var dev = Path.Combine(root, "dev");
        GatewayProcess? a = null, b = null;
        try
        {
            await using (var db = await CpomDatabase.OpenAsync(storage, new CpomHome(root)))
            {
                await DevPki.EnsureAsync(new CpomHome(root), PolicyLoader.Load(TestPaths.Policies), db);
                Assert.Equal(0, await db.PseudonymKeys.CountAsync());
            }
            string[] Settings(string home)
            {
                CpomHome.CreatePrivateDirectory(Path.Combine(home, "dev"));
                foreach (var file in Directory.EnumerateFiles(dev))
                {
                    File.Copy(file, Path.Combine(home, "dev", Path.GetFileName(file)));
                }
                return
                [
                    "--Cpom:Home", home, "--Cpom:Policies", TestPaths.Policies, "--Cpom:Keys:Local:Directory", keys,
                    "--Storage:Provider", storage.Provider, "--Storage:ConnectionString", storage.ConnectionString!,
                    "--Storage:PayloadPath", Path.Combine(root, "shared-payloads"), "--Logging:LogLevel:Default", "Warning",
                ];
            }
            var settingsA = Settings(Path.Combine(root, "a"));
            var settingsB = Settings(Path.Combine(root, "b"));
            a = GatewayProcess.Start(settingsA);
            b = GatewayProcess.Start(settingsB);
            HttpClient Client(GatewayProcess instance, string identity) => GatewayFixture.CreateClient(dev, instance.BaseAddress, DevPki.LoadIdentity(dev, identity));
            await Task.WhenAll(a.WaitReadyAsync(Client(a, "prevy-agent")), b.WaitReadyAsync(Client(b, "prevy-agent")));

            await using (var db = await CpomDatabase.OpenAsync(storage, new CpomHome(root), migrate: false))
            {
                Assert.Equal("created", (await db.PseudonymKeys.SingleAsync()).Origin);
            }
            Assert.Equal(["kek-v1.key", "signing-v1.key"], Directory.EnumerateFileSystemEntries(keys).Select(Path.GetFileName).Order());
            var pseudonyms = new List<string>();
            foreach (var instance in new[] { a, b })
            {
                using var dpo = Client(instance, "prevy-dpo");
                using var response = await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "10433218419605" });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                pseudonyms.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("pseudonym").GetString()!);
            }
            Assert.Equal(pseudonyms[0], pseudonyms[1]);
        }
        finally
        {
            if (a is not null)
            {
                await a.DisposeAsync();
            }
            if (b is not null)
            {
                await b.DisposeAsync();
            }
            CpomDatabase.ClearPools();
            Directory.Delete(root, recursive: true);
        }
    }
}
