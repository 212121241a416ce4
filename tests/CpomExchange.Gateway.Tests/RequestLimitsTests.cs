using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Gateway.Limits;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A gateway with small per-organisation limits (2 uploads, 2 downloads, 1 indicator draft at once;
/// 1 MiB of spool).
/// </summary>
public sealed class LimitsFixture : InspectableGatewayFixture
{
    public const int SpoolQuotaBytes = 1024 * 1024;

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration["Cpom:Limits:ConcurrentUploadsPerOrganisation"] = "2";
        builder.Configuration["Cpom:Limits:ConcurrentDownloadsPerOrganisation"] = "2";
        builder.Configuration["Cpom:Limits:ConcurrentIndicatorDraftsPerOrganisation"] = "1";
        builder.Configuration["Cpom:Limits:SpoolQuotaBytes"] = SpoolQuotaBytes.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Bounded work per organisation (issue 14.4), through the real gateway: per-endpoint body limits,
/// concurrency limits per organisation, the spool quota.
/// </summary>
public sealed class RequestLimitsTests(LimitsFixture gateway) : IClassFixture<LimitsFixture>
{
    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private static string Adherents(int rows, long firstSiren = 100_000_000)
    {
        var text = new StringBuilder("siret;raison_sociale\n");
        foreach (var siret in TestSirets.From(firstSiren).Take(rows))
        {
            text.Append(siret).Append(";A\n");
        }
        return text.ToString();
    }

    [Fact]
    public async Task JsonBody_BeyondTheLimit_Is413_ChunkedOrDeclared_OnEveryJsonRoute()
    {
        var padding = new string('x', 64 * 1024);
        using var dpo = gateway.ClientFor("prevy-dpo");

        // Control: a lookup within the limit is answered.
        var small = await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "10433218419605" });
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);

        // Chunked (JsonContent declares no length) and declared: both refused, before binding.
        var chunked = await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret = "10433218419605", padding });
        Assert.Equal("request.body-too-large", (await chunked.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code());
        using var declaredDpo = gateway.ClientFor("prevy-dpo");
        var declared = await declaredDpo.PostAsync("api/v1/audit/subjects",
            new StringContent(JsonSerializer.Serialize(new { siret = "10433218419605", padding }), Encoding.UTF8, "application/json"));
        Assert.Equal("request.body-too-large", (await declared.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code());

        using var admin = gateway.ClientFor("admin");
        var registration = await admin.PostAsJsonAsync("api/v1/admin/agents", new { id = "trop-gros", name = "Trop gros", organisation = "prevy", roles = new[] { "agent" }, certificate = padding });
        Assert.Equal("request.body-too-large", (await registration.ReadProblemAsync(HttpStatusCode.RequestEntityTooLarge)).Code());
    }

    public static TheoryData<string> Works() => ["upload", "download", "draft"];

    [Theory]
    [MemberData(nameof(Works))]
    public async Task Work_BeyondTheOrganisationsConcurrencyLimit_Is429_WhileOtherOrganisationsProceed(string work)
    {
        // What each kind of work is, for organisation A (held) and organisation B (not limited by A).
        var (a, b, kind, limit) = work switch
        {
            "upload" => ("prevy", "satm", OrganisationWork.Upload, 2),
            "download" => ("carsat-lr", "carsat-pdl", OrganisationWork.Download, 2),
            _ => ("prevy", "satm", OrganisationWork.IndicatorsDraft, 1),
        };
        string? downloadA = null, downloadB = null;
        if (work == "download")
        {
            downloadA = await UploadAsync("prevy-agent", "carsat-lr", 500_000_000);
            downloadB = await UploadAsync("satm-agent", "carsat-pdl", 510_000_000);
        }
        async Task<HttpResponseMessage> Start(string organisation)
        {
            using var client = gateway.ClientFor(organisation + "-agent");
            var other = organisation != a;
            return await (work switch
            {
                "upload" => client.PostAsync($"api/v1/datasets?type=adherents&to={(other ? "carsat-pdl" : "carsat-lr")}&purpose=sinistralite",
                    Csv(Adherents(3, other ? 520_000_000 : 530_000_000))),
                "download" => client.GetAsync($"api/v1/datasets/{(other ? downloadB : downloadA)}/content?purpose=sinistralite"),
                _ => client.GetAsync($"api/v1/indicators?contract={(other ? "cpom-satm-2025" : "cpom-prevy-2025")}&year=2026"),
            });
        }

        var limits = gateway.Services.GetRequiredService<OrganisationConcurrency>();
        var held = new List<Task<HttpResponseMessage>>();
        Task<HttpResponseMessage> otherOrganisation;
        HttpResponseMessage refused;
        await using (var blocker = await DatabaseLock.TakeAsync(gateway, a))
        {
            // A's operations reach the database (their log entry or their commit) and wait there, holding their places.
            for (var i = 0; i < limit; i++)
            {
                held.Add(Start(a));
            }
            await WaitUntilAsync(() => limits.InFlight(a, kind) == limit, $"{limit} {work}(s) of {a} in flight", held);
            // Answered at once; were it admitted, it would wait behind the lock: the guard ends the test instead.
            refused = await Start(a).WaitAsync(HangGuard);
            otherOrganisation = Start(b);
        }
        var problem = await refused.ReadProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("request.too-many-concurrent", problem.Code());
        Assert.Equal(TimeSpan.FromSeconds(OrganisationConcurrency.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);

        var expected = work == "upload" ? HttpStatusCode.Created : HttpStatusCode.OK;
        foreach (var response in await Task.WhenAll(held))
        {
            Assert.True(response.StatusCode == expected, $"{work} of {a}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        var other = await otherOrganisation;
        Assert.True(other.StatusCode == expected, $"{work} of {b}: {(int)other.StatusCode} {await other.Content.ReadAsStringAsync()}");
        // The places are given back (once each request has ended on the server too): A works again.
        await WaitUntilAsync(() => limits.InFlight(a, kind) == 0, $"the places of {a} given back");
        Assert.Equal(expected, (await Start(a)).StatusCode);
    }

    [Fact]
    public async Task Upload_WhoseSortedRunsExceedTheSpoolQuota_Is507_AndLeavesNothing()
    {
        // More rows than one sorted run (262,144): the SIRETs spill a run of 4 MiB, over the 1 MiB quota.
        var csv = Adherents(270_000, 600_000_000);
        int datasetsBefore;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            datasetsBefore = await db.Datasets.CountAsync();
        }
        var payloads = Path.Combine(gateway.Home, "payloads");
        var payloadsBefore = Directory.EnumerateFiles(payloads, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        using var prevy = gateway.ClientFor("prevy-agent");
        var response = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv(csv));
        Assert.Equal("storage.spool-full", (await response.ReadProblemAsync(HttpStatusCode.InsufficientStorage)).Code());
        Assert.NotNull(response.Headers.RetryAfter);

        // Nothing half-written: no dataset, no payload, no subject index, no run left in the spool, the quota given back.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal(datasetsBefore, await db.Datasets.CountAsync());
        }
        Assert.Equal(payloadsBefore, Directory.EnumerateFiles(payloads, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
        var spool = gateway.Services.GetRequiredService<Spool>();
        Assert.Empty(Directory.Exists(spool.Directory) ? Directory.EnumerateFileSystemEntries(spool.Directory) : []);
        Assert.Equal(0, spool.Quota.UsedBytes);

        // The refusal is in the sender's log, with its code.
        using var dpo = gateway.ClientFor("prevy-dpo");
        var entries = (await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?action=upload&outcome=denied&pageSize=1000")).GetProperty("entries");
        Assert.Contains(entries.EnumerateArray(), e => e.GetProperty("reason").GetString() == "storage.spool-full");

        // A file that needs no run still goes through.
        Assert.Equal(HttpStatusCode.Created, (await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv(Adherents(3, 610_000_000)))).StatusCode);
    }

    [Theory]
    [InlineData("ConcurrentUploadsPerOrganisation", "0")]
    [InlineData("ConcurrentDownloadsPerOrganisation", "-1")]
    [InlineData("ConcurrentIndicatorDraftsPerOrganisation", "0")]
    [InlineData("SpoolQuotaBytes", "0")]
    [InlineData("MaxJsonBodyBytes", "0")]
    public async Task AWrongLimit_StopsTheStart_NamingTheSetting(string setting, string value)
    {
        var home = Directory.CreateTempSubdirectory("cpom-start-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => Hosting.GatewayApp.CreateAsync(
                ["--environment", "Development", "--urls", "https://127.0.0.1:0", "--Cpom:Home", home, "--Cpom:Policies", GatewayFixture.PoliciesDirectory,
                    "--Cpom:Limits:" + setting, value]));
            Assert.Contains("Cpom:Limits:" + setting, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Infrastructure.Storage.CpomDatabase.ClearPools();
            Directory.Delete(home, true);
        }
    }

    private async Task<string> UploadAsync(string agent, string to, long firstSiren)
    {
        using var client = gateway.ClientFor(agent);
        var response = await client.PostAsync($"api/v1/datasets?type=adherents&to={to}&purpose=sinistralite", Csv(Adherents(3, firstSiren)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>How long a test waits for what should come at once before it fails (a hang guard, not a measure).</summary>
    internal static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>Waits for <paramref name="condition"/>; fails (with what the held requests answered) if it never comes or they end first.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, string what, IReadOnlyCollection<Task<HttpResponseMessage>>? held = null)
    {
        // A hang guard only: the condition is an event, reached as soon as the requests arrive.
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            if (held?.FirstOrDefault(t => t.IsCompleted) is { } ended)
            {
                var response = await ended;
                Assert.Fail($"Waiting for {what}, a held request ended: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            Assert.False(guard.IsCancellationRequested, $"Never reached: {what}.");
            await Task.Delay(20);
        }
    }
}

/// <summary>
/// Another process holding the database as writers need it: on SQLite its write lock (every
/// writer waits), on PostgreSQL the log lock of one organisation (its appends wait).
/// </summary>
internal sealed class DatabaseLock : IAsyncDisposable
{
    private readonly Infrastructure.Storage.CpomDbContext _db;
    private readonly System.Data.Common.DbConnection _connection;

    private DatabaseLock(Infrastructure.Storage.CpomDbContext db, System.Data.Common.DbConnection connection)
    {
        _db = db;
        _connection = connection;
    }

    public static async Task<DatabaseLock> TakeAsync(GatewayFixture gateway, string organisation)
    {
        var db = await gateway.OpenDatabaseAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        if (db.Database.IsNpgsql())
        {
            command.CommandText = "BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(@key, 0));";
            var key = command.CreateParameter();
            key.ParameterName = "key";
            key.Value = "cpom-log:" + organisation;
            command.Parameters.Add(key);
        }
        else
        {
            command.CommandText = "BEGIN IMMEDIATE;";
        }
        await command.ExecuteNonQueryAsync();
        return new DatabaseLock(db, connection);
    }

    public async ValueTask DisposeAsync()
    {
        await using (var rollback = _connection.CreateCommand())
        {
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }
        await _connection.CloseAsync();
        await _db.DisposeAsync();
    }
}
