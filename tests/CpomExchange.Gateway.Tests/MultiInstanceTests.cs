using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Two gateway processes on different ports, each with a state folder of its own, sharing what the
/// documented production setup shares: one PostgreSQL database (on the test run's throw-away server,
/// whatever the suite's provider), one payload store and one key provider (here one local key folder,
/// as they would share one vault). Both start at the same instant, as after a deployment.
/// </summary>
public sealed class TwoInstancesFixture : IAsyncLifetime
{
    /// <summary>Everything of the fixture: the shared folders and each instance's own.</summary>
    public string Root { get; } = Directory.CreateTempSubdirectory("cpom-two-").FullName;

    public string Payloads => Path.Combine(Root, "shared-payloads");

    public string Keys => Path.Combine(Root, "shared-keys");

    public string HomeA => Path.Combine(Root, "a");

    public string HomeB => Path.Combine(Root, "b");

    public StorageOptions Storage { get; private set; } = null!;

    public GatewayProcess A { get; private set; } = null!;

    public GatewayProcess B { get; private set; } = null!;

    /// <summary>The development PKI both instances use (a copy in each state folder).</summary>
    public string DevDirectory => Path.Combine(Root, "dev");

    public async Task InitializeAsync()
    {
        Storage = await (await PostgresServer.GetAsync()).CreateStorageAsync();
        Storage.PayloadPath = Payloads;
        // The development PKI and its agents, once, before either instance starts; each instance's copy serves its TLS.
        await using (var db = await CpomDatabase.OpenAsync(Storage, new CpomHome(Root)))
        {
            await DevPki.EnsureAsync(new CpomHome(Root), PolicyLoader.Load(TestPaths.Policies), db);
        }
        foreach (var home in new[] { HomeA, HomeB })
        {
            CpomHome.CreatePrivateDirectory(Path.Combine(home, "dev"));
            foreach (var file in Directory.EnumerateFiles(DevDirectory))
            {
                File.Copy(file, Path.Combine(home, "dev", Path.GetFileName(file)));
            }
        }
        string[] Settings(string home) =>
        [
            "--Cpom:Home", home,
            "--Cpom:Policies", TestPaths.Policies,
            "--Cpom:Keys:Local:Directory", Keys,
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
        // At the same instant: the shared folder's keys and the deployment's pseudonymisation key are made once, by one of them.
        A = GatewayProcess.Start(Settings(HomeA));
        B = GatewayProcess.Start(Settings(HomeB));
        await Task.WhenAll(A.WaitReadyAsync(Client(A, "prevy-agent")), B.WaitReadyAsync(Client(B, "prevy-agent")));
    }

    public HttpClient Client(GatewayProcess instance, string identity) =>
        GatewayFixture.CreateClient(DevDirectory, instance.BaseAddress, DevPki.LoadIdentity(DevDirectory, identity));

    public Task<CpomDbContext> OpenDatabaseAsync() => CpomDatabase.OpenAsync(Storage, new CpomHome(Root), migrate: false);

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        CpomDatabase.ClearPools();
        Directory.Delete(Root, recursive: true);
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
        List<string> earlier;
        await using (var db = await fixture.OpenDatabaseAsync())
        {
            // What other tests of the class stored: not this test's to count.
            earlier = await db.Datasets.Select(d => d.Id).ToListAsync();
        }

        // Uploads, listings and refusals at once, through both instances.
        var work = new List<Task<Sent?>>();
        var refusals = new List<Task<(HttpStatusCode, string?)>>();
        var expectedRefusals = new List<(HttpStatusCode, string?)>();
        for (var i = 0; i < 24; i++)
        {
            var (spsti, caisse, purpose) = Pairs[i % Pairs.Length];
            var instance = instances[i % 2];
            work.Add(UploadAsync(instance, spsti, caisse, purpose, sample));
            work.Add(ListAsync(instances[(i + 1) % 2], caisse));
            // Refused: a caisse cannot send adherents lists; a purpose the contract does not open.
            refusals.Add(StatusOfAsync(instance, caisse + "-agent", $"api/v1/datasets?type=adherents&to={spsti}&purpose=sinistralite", sample));
            expectedRefusals.Add((HttpStatusCode.Forbidden, "policy.direction-not-allowed"));
            refusals.Add(StatusOfAsync(instances[(i + 1) % 2], spsti + "-agent", $"api/v1/datasets?type=adherents&to={caisse}&purpose=publicite", sample));
            expectedRefusals.Add((HttpStatusCode.BadRequest, "request.unknown-purpose"));
        }
        var sent = (await Task.WhenAll(work)).OfType<Sent>().ToList();
        Assert.Equal(24, sent.Count);
        Assert.Equal(expectedRefusals, await Task.WhenAll(refusals));

        // Every acknowledged dataset is there exactly once, and each instance serves it, byte for byte.
        await using (var db = await fixture.OpenDatabaseAsync())
        {
            var ids = await db.Datasets.Select(d => d.Id).ToListAsync();
            Assert.Equal(sent.Select(s => s.Id).Order(), ids.Except(earlier).Order());
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
        await using (var db = await fixture.OpenDatabaseAsync())
        {
            var ids = expired.Select(e => e.Id).ToList();
            var old = DateTime.UtcNow.AddYears(-3);
            await db.Datasets.Where(d => ids.Contains(d.Id)).ExecuteUpdateAsync(s => s.SetProperty(d => d.CreatedAtUtc, old));
            await WaitForAsync(async () => await db.Datasets.CountAsync(d => ids.Contains(d.Id) && d.Status == DatasetStatus.Available) == 0,
                "the expired datasets to be shredded");
            // Then two more rounds of the job must start (the lease renewed twice): the round under
            // way when the last dataset went has ended, and a full round after it found nothing to do.
            var seen = (await db.Leases.AsNoTracking().SingleAsync(l => l.Name == Leases.DatasetRetention)).ExpiresAtUtc;
            var renewals = new HashSet<DateTime>();
            await WaitForAsync(async () =>
            {
                var expires = (await db.Leases.AsNoTracking().SingleAsync(l => l.Name == Leases.DatasetRetention)).ExpiresAtUtc;
                if (expires > seen)
                {
                    renewals.Add(expires);
                }
                return renewals.Count >= 2;
            }, "two more rounds of the retention job");

            var purges = await db.AccessLogEntries.Where(e => e.Action == LogActions.Purge && e.DatasetId != null)
                .GroupBy(e => new { e.Controller, e.DatasetId }).Select(g => new { g.Key.Controller, g.Key.DatasetId, Count = g.Count() }).ToListAsync();
            foreach (var e in expired)
            {
                Assert.Equal(1, purges.SingleOrDefault(p => p.Controller == e.Spsti && p.DatasetId == e.Id)?.Count);
                Assert.Equal(1, purges.SingleOrDefault(p => p.Controller == e.Caisse && p.DatasetId == e.Id)?.Count);
                Assert.False(File.Exists(Path.Combine(fixture.Payloads, e.Id + ".cpom")));
            }
            Assert.Equal(expired.Count * 2, purges.Sum(p => p.Count));
            var sentIds = sent.Select(s => s.Id).ToList();
            Assert.Equal(sent.Count - expired.Count, await db.Datasets.CountAsync(d => sentIds.Contains(d.Id) && d.Status == DatasetStatus.Available));
            var lease = await db.Leases.SingleAsync(l => l.Name == Leases.DatasetRetention);
            Assert.False(string.IsNullOrEmpty(lease.Holder));
        }
        // The rounds that did shred were one instance's at a time: their counts add up to the expired datasets.
        var shredded = fixture.A.Output.Concat(fixture.B.Output)
            .Select(line => System.Text.RegularExpressions.Regex.Match(line, @"Conservation : (\d+) jeu\(x\) de données arrivé\(s\) à échéance détruit"))
            .Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expired.Count, shredded);

        // The logs are still valid after the purges, from either side.
        foreach (var organisation in Pairs.SelectMany(p => new[] { p.Spsti, p.Caisse }))
        {
            Assert.True((await VerifyAsync(fixture.A, organisation)).GetProperty("valid").GetBoolean());
        }
        Assert.True(fixture.A.Running && fixture.B.Running);
    }

    [Fact]
    public async Task InstancesWithStateFoldersOfTheirOwn_MakeTheSamePseudonyms_SoLinksAndLookupsWorkAcrossThem()
    {
        // One pseudonymisation key for the deployment, in the database; no key in either instance's state folder.
        await using (var db = await fixture.OpenDatabaseAsync())
        {
            Assert.Equal(PseudonymKeyStore.CurrentVersion, (await db.PseudonymKeys.SingleAsync()).Version);
        }
        foreach (var home in new[] { fixture.HomeA, fixture.HomeB })
        {
            Assert.False(Directory.Exists(Path.Combine(home, "keys")), $"{home} holds keys of its own.");
        }

        // SIRETs of their own: the other test of the class sends the sample lists.
        var sirets = TestSirets.From(600_000_000).Take(5).ToArray();
        // A list uploaded through A is answered through B: the answer's SIRETs are checked against it.
        var list = await CreatedAsync(fixture.A, "prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite",
            $"siret;raison_sociale\n{sirets[0]};A\n{sirets[1]};B\n");
        const string Header = "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn\n";
        var reply = await CreatedAsync(fixture.B, "carsat-lr-agent", $"type=sinistralite&to=prevy&purpose=sinistralite&replyTo={list.GetProperty("id").GetString()}",
            Header + $"{sirets[0]};2025;48;3;1;0;212;0;0;62,5;2,7;602MB;C\n{sirets[1]};2025;95;9;2;3;1480;1;0;94,7;8,9;853AA;H\n");
        using (var carsatB = fixture.Client(fixture.B, "carsat-lr-agent"))
        using (var outside = new StringContent(Header + $"{sirets[2]};2025;62;2;0;1;95;0;0;32,3;0,9;521DC;D\n", Encoding.UTF8, "text/csv"))
        {
            using var refused = await carsatB.PostAsync($"api/v1/datasets?type=sinistralite&to=prevy&purpose=sinistralite&replyTo={list.GetProperty("id").GetString()}", outside);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Contains("minimisation.not-in-reply", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The targeted companies a caisse sends through B reach the SPSTI whose adherents list went through A, and only its adherents.
        var adherents = await CreatedAsync(fixture.A, "pst38-agent", "type=adherents&to=carsat-ra&purpose=ciblage", $"siret\n{sirets[3]}\n{sirets[2]}\n");
        var split = await CreatedAsync(fixture.B, "carsat-ra-agent", "type=entreprises-ciblees&purpose=ciblage",
            "siret;raison_sociale;programme;preventeur_nom;preventeur_email;preventeur_telephone;date_ciblage;statut\n"
            + $"{sirets[3]};EHPAD LES TILLEULS;TMS_PROS;Claire Morel;c.morel@carsat.example;02 00 00 00 01;15/01/2026;ciblee\n"
            + $"{sirets[4]};ENTREPRISE HORS ADHÉRENTS;RPS;Paul Girard;p.girard@carsat.example;02 00 00 00 02;03/02/2026;ciblee\n");
        var share = Assert.Single(split.GetProperty("distribution").EnumerateArray());
        Assert.Equal(("pst38", 1L), (share.GetProperty("to").GetString(), share.GetProperty("rows").GetInt64()));
        Assert.Equal(1, split.GetProperty("unmatched").GetInt64());
        var targeted = share.GetProperty("datasetId").GetString()!;
        using (var pst38A = fixture.Client(fixture.A, "pst38-agent"))
        {
            var received = await pst38A.GetStringAsync($"api/v1/datasets/{targeted}/content?purpose=ciblage");
            Assert.Contains(sirets[3], received, StringComparison.Ordinal);
            Assert.DoesNotContain(sirets[4], received, StringComparison.Ordinal);
        }

        // A DPO's subject lookup finds every dataset, through either instance, under the same pseudonym.
        foreach (var (dpo, siret, expected) in new[]
        {
            ("prevy-dpo", sirets[0], new[] { list.GetProperty("id").GetString()!, reply.GetProperty("id").GetString()! }),
            ("pst38-dpo", sirets[3], new[] { adherents.GetProperty("id").GetString()!, targeted }),
        })
        {
            var answers = new List<JsonElement>();
            foreach (var instance in new[] { fixture.A, fixture.B })
            {
                using var client = fixture.Client(instance, dpo);
                using var response = await client.PostAsJsonAsync("api/v1/audit/subjects", new { siret });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
                Assert.Equal(expected.Order(), answer.GetProperty("datasets").EnumerateArray().Select(d => d.GetString()!).Order());
                answers.Add(answer);
            }
            Assert.Equal(answers[0].GetProperty("pseudonym").GetString(), answers[1].GetProperty("pseudonym").GetString());
        }
    }

    private async Task<JsonElement> CreatedAsync(GatewayProcess instance, string identity, string query, string csv)
    {
        using var client = fixture.Client(instance, identity);
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await client.PostAsync("api/v1/datasets?" + query, content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
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

    private async Task<(HttpStatusCode Status, string? Code)> StatusOfAsync(GatewayProcess instance, string identity, string path, byte[] body)
    {
        using var client = fixture.Client(instance, identity);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        using var response = await client.PostAsync(path, content);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, problem.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; a minute is a hang guard, not a time limit of the test.</summary>
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!await condition())
        {
            try
            {
                await Task.Delay(100, guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Still waiting for {what} after a minute (hang guard).");
            }
        }
    }

    private async Task<JsonElement> VerifyAsync(GatewayProcess instance, string organisation)
    {
        using var client = fixture.Client(instance, organisation + "-dpo");
        return await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
    }
}
