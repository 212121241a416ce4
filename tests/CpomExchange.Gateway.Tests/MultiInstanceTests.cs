using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Two gateway processes on different ports sharing one PostgreSQL database (on the test run's
/// throw-away server, whatever the suite's provider) and one payload folder, as a region's
/// deployment runs them behind a load balancer.
/// </summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    public string Home { get; } = Directory.CreateTempSubdirectory("cpom-two-").FullName;

    public string Payloads => Path.Combine(Home, "shared-payloads");

    public StorageOptions Storage { get; private set; } = null!;

    public GatewayProcess A { get; private set; } = null!;

    public GatewayProcess B { get; private set; } = null!;

    public string DevDirectory => Path.Combine(Home, "dev");

    public async Task InitializeAsync()
    {
        Storage = await (await PostgresServer.GetAsync()).CreateStorageAsync();
        Storage.PayloadPath = Payloads;
        var home = new CpomHome(Home);
        // The development PKI and its agents, once, before either instance starts.
        await using (var db = await CpomDatabase.OpenAsync(Storage, home))
        {
            await DevPki.EnsureAsync(home, PolicyLoader.Load(TestPaths.Policies), db);
        }
        string[] settings =
        [
            "--Cpom:Home", Home,
            "--Cpom:Policies", TestPaths.Policies,
            "--Storage:Provider", "Postgres",
            "--Storage:ConnectionString", Storage.ConnectionString!,
            "--Storage:PayloadPath", Payloads,
            "--Cpom:Retention:CheckEverySeconds", "1",
            "--Cpom:AccessLog:CheckpointEveryEntries", "4",
            "--Cpom:AccessLog:CheckpointEverySeconds", "2",
            "--Cpom:Limits:RequestsPerMinutePerOrganisation", "100000",
            // Every organisation's uploads and refusals at once: this test is about consistency, not limits.
            "--Cpom:Limits:ConcurrentUploadsPerOrganisation", "1000",
            "--Cpom:Limits:ConcurrentDownloadsPerOrganisation", "1000",
            "--Logging:LogLevel:Default", "Warning",
            "--Logging:LogLevel:CpomExchange.Gateway.Datasets.DatasetRetentionService", "Information",
        ];
        // One after the other: the first start creates the local keys the second one then reads.
        A = GatewayProcess.Start(settings);
        await A.WaitReadyAsync(Client(A, "prevy-agent"));
        B = GatewayProcess.Start(settings);
        await B.WaitReadyAsync(Client(B, "prevy-agent"));
    }

    public HttpClient Client(GatewayProcess instance, string identity) =>
        GatewayFixture.CreateClient(DevDirectory, instance.BaseAddress, DevPki.LoadIdentity(DevDirectory, identity));

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        CpomDatabase.ClearPools();
        Directory.Delete(Home, recursive: true);
    }
}

/// <summary>Several instances: exactly-once storage, one valid Merkle log per controller, retention run once.</summary>
public sealed class MultiInstanceTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    /// <summary>The four contracts: each SPSTI sends its adherents to its caisse, for the purpose its contract opens.</summary>
    private static readonly (string Spsti, string Caisse, string Purpose)[] Pairs =
        [("prevy", "carsat-lr", "sinistralite"), ("pst38", "carsat-ra", "ciblage"), ("satm", "carsat-pdl", "sinistralite"), ("cist971", "cgss-guadeloupe", "ciblage")];

    private sealed record Sent(string Id, string Spsti, string Caisse, string Purpose, byte[] Content);

    [Fact]
    public async Task ConcurrentTrafficThroughBothInstances_IsStoredOnce_LoggedInOneValidLogPerController_AndPurgedOnce()
    {
        var instances = new[] { fixture.A, fixture.B };
        var sample = await File.ReadAllBytesAsync(Path.Combine(TestPaths.Samples, "adherents.csv"));

        // Uploads, listings and refusals at once, through both instances.
        var work = new List<Task<Sent?>>();
        var refusals = new List<Task<HttpStatusCode>>();
        for (var i = 0; i < 24; i++)
        {
            var (spsti, caisse, purpose) = Pairs[i % Pairs.Length];
            var instance = instances[i % 2];
            work.Add(UploadAsync(instance, spsti, caisse, purpose, sample));
            work.Add(ListAsync(instances[(i + 1) % 2], caisse));
            // Refused: a caisse cannot send adherents lists; a purpose the contract does not open.
            refusals.Add(StatusOfAsync(instance, caisse + "-agent", $"api/v1/datasets?type=adherents&to={spsti}&purpose=sinistralite", sample));
            refusals.Add(StatusOfAsync(instances[(i + 1) % 2], spsti + "-agent", $"api/v1/datasets?type=adherents&to={caisse}&purpose=publicite", sample));
        }
        var sent = (await Task.WhenAll(work)).OfType<Sent>().ToList();
        Assert.Equal(24, sent.Count);
        Assert.All(await Task.WhenAll(refusals), status => Assert.True(status is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, status.ToString()));

        // Every acknowledged dataset is there exactly once, and each instance serves it, byte for byte.
        await using (var db = await CpomDatabase.OpenAsync(fixture.Storage, new CpomHome(fixture.Home), migrate: false))
        {
            var ids = await db.Datasets.Select(d => d.Id).ToListAsync();
            Assert.Equal(sent.Select(s => s.Id).Order(), ids.Order());
        }
        var downloads = sent.SelectMany(s => instances.Select(async instance =>
        {
            using var client = fixture.Client(instance, s.Caisse + "-agent");
            var content = await client.GetByteArrayAsync($"api/v1/datasets/{s.Id}/content?purpose={s.Purpose}");
            return (s, content);
        }));
        foreach (var (s, content) in await Task.WhenAll(downloads))
        {
            Assert.Equal(SHA256.HashData(s.Content), SHA256.HashData(content));
        }

        // Each controller's log is one valid Merkle log, the same seen from either instance.
        foreach (var organisation in Pairs.SelectMany(p => new[] { p.Spsti, p.Caisse }))
        {
            var a = await VerifyAsync(fixture.A, organisation);
            var b = await VerifyAsync(fixture.B, organisation);
            Assert.True(a.GetProperty("valid").GetBoolean(), a.GetRawText());
            Assert.True(b.GetProperty("valid").GetBoolean(), b.GetRawText());
            using var dpo = fixture.Client(fixture.B, organisation + "-dpo");
            var export = await LogExport.ReadAsync(new StringReader(await dpo.GetStringAsync("api/v1/audit/export?format=jsonl")));
            var offline = export.Verify();
            Assert.True(offline.Valid, offline.Problem);
            Assert.Equal(Enumerable.Range(0, export.Entries.Count).Select(i => (long)i), export.Entries.Select(e => e.Entry.Seq));
        }

        // Retention: half of the datasets are made older than their exchange's retention. Both
        // instances check every second; each dataset must be shredded once, by one of them.
        var expired = sent.Where((_, i) => i % 2 == 0).ToList();
        await using (var db = await CpomDatabase.OpenAsync(fixture.Storage, new CpomHome(fixture.Home), migrate: false))
        {
            var ids = expired.Select(e => e.Id).ToList();
            var old = DateTime.UtcNow.AddYears(-3);
            await db.Datasets.Where(d => ids.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAtUtc, old));
            var deadline = DateTime.UtcNow.AddMinutes(1);
            while (await db.Datasets.CountAsync(d => ids.Contains(d.Id) && d.Status == DatasetStatus.Available) > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "The expired datasets were not shredded within a minute.");
                await Task.Delay(250);
            }
            // A few more rounds on both instances: nothing more may happen.
            await Task.Delay(TimeSpan.FromSeconds(4));

            var purges = await db.AccessLogEntries.Where(e => e.Action == LogActions.Purge && e.DatasetId != null)
                .GroupBy(e => new { e.Controller, e.DatasetId }).Select(g => new { g.Key.Controller, g.Key.DatasetId, Count = g.Count() }).ToListAsync();
            foreach (var e in expired)
            {
                Assert.Equal(1, purges.SingleOrDefault(p => p.Controller == e.Spsti && p.DatasetId == e.Id)?.Count);
                Assert.Equal(1, purges.SingleOrDefault(p => p.Controller == e.Caisse && p.DatasetId == e.Id)?.Count);
                Assert.False(File.Exists(Path.Combine(fixture.Payloads, e.Id + ".cpom")));
            }
            Assert.Equal(expired.Count * 2, purges.Sum(p => p.Count));
            Assert.Equal(sent.Count - expired.Count, await db.Datasets.CountAsync(d => d.Status == DatasetStatus.Available));
            var lease = await db.Leases.SingleAsync(l => l.Name == Leases.DatasetRetention);
            Assert.False(string.IsNullOrEmpty(lease.Holder));
        }
        // The rounds that did shred were one instance's at a time: their counts add up to the expired datasets.
        var shredded = fixture.A.Output.Concat(fixture.B.Output)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"Retention: (\d+) dataset\(s\) crypto-shredded"))
            .Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expired.Count, shredded);

        // The logs are still valid after the purges, from either side.
        foreach (var organisation in Pairs.SelectMany(p => new[] { p.Spsti, p.Caisse }))
        {
            Assert.True((await VerifyAsync(fixture.A, organisation)).GetProperty("valid").GetBoolean());
        }
        Assert.True(fixture.A.Running && fixture.B.Running);
    }

    private async Task<Sent?> UploadAsync(GatewayProcess instance, string spsti, string caisse, string purpose, byte[] sample)
    {
        using var client = fixture.Client(instance, spsti + "-agent");
        using var content = new ByteArrayContent(sample);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync($"api/v1/datasets?type=adherents&to={caisse}&purpose={purpose}", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Sent(created.GetProperty("id").GetString()!, spsti, caisse, purpose, sample);
    }

    private async Task<Sent?> ListAsync(GatewayProcess instance, string caisse)
    {
        using var client = fixture.Client(instance, caisse + "-agent");
        using var response = await client.GetAsync("api/v1/inbox");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return null;
    }

    private async Task<HttpStatusCode> StatusOfAsync(GatewayProcess instance, string identity, string path, byte[] body)
    {
        using var client = fixture.Client(instance, identity);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(path, content);
        return response.StatusCode;
    }

    private async Task<JsonElement> VerifyAsync(GatewayProcess instance, string organisation)
    {
        using var client = fixture.Client(instance, organisation + "-dpo");
        return await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
    }
}
