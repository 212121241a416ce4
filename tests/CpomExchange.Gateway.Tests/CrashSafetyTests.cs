using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The gateway as a separate process, on the run's database (SQLite, or PostgreSQL in the PostgreSQL
/// pass), killed with SIGKILL while large uploads are being streamed to it, then restarted: every
/// dataset acknowledged with 201 is intact, nothing of the cut uploads is listed, stored or left on
/// disk (no payload without its row, no row without its payload, no temporary or spill file), and
/// every controller's log verifies.
/// </summary>
public sealed class CrashSafetyTests : IAsyncLifetime
{
    private const string Upload = "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite";

    /// <summary>Hang guard only: every wait below ends on the event it waits for.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    private readonly string _home = Directory.CreateTempSubdirectory("cpom-crash-").FullName;
    private readonly CancellationTokenSource _stopSending = new();
    private StorageOptions _storage = null!;
    private GatewayProcess? _gateway;

    private string DevDirectory => Path.Combine(_home, "dev");

    private string Payloads => Path.Combine(_home, "payloads");

    public async Task InitializeAsync()
    {
        _storage = await GatewayFixture.NewStorageAsync();
        // The development PKI before the first start, so that the test can present certificates to it.
        var home = new CpomHome(_home);
        await using var db = await CpomDatabase.OpenAsync(_storage, home);
        await DevPki.EnsureAsync(home, PolicyLoader.Load(TestPaths.Policies), db);
    }

    public async Task DisposeAsync()
    {
        await _stopSending.CancelAsync();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        _stopSending.Dispose();
        CpomDatabase.ClearPools();
        Directory.Delete(_home, recursive: true);
    }

    private async Task StartAsync()
    {
        _gateway = GatewayProcess.Start([
            .. GatewayFixture.StorageArguments(_storage),
            "--Cpom:Home", _home,
            "--Cpom:Policies", TestPaths.Policies,
            "--Logging:LogLevel:Default", "Warning",
        ]);
        using var client = Client("prevy-agent");
        await _gateway.WaitReadyAsync(client);
    }

    private HttpClient Client(string identity)
    {
        var client = GatewayFixture.CreateClient(DevDirectory, _gateway!.BaseAddress, DevPki.LoadIdentity(DevDirectory, identity));
        client.Timeout = HangGuard;
        return client;
    }

    private static IEnumerable<byte[]> Rows(int seed)
    {
        var count = 0;
        foreach (var siret in TestSirets.From(100_000_000 + seed * 10_000_000L))
        {
            yield return Encoding.UTF8.GetBytes($"{siret};ENTREPRISE {count++}\r\n");
        }
    }

    private static byte[] File_(int rows, int seed)
    {
        using var file = new MemoryStream();
        file.Write("siret;raison_sociale\r\n"u8);
        foreach (var row in Rows(seed).Take(rows))
        {
            file.Write(row);
        }
        return file.ToArray();
    }

    /// <summary>
    /// A file that never ends: <paramref name="head"/> rows at once, then more rows, a batch every
    /// 50 ms (well above the gateway's minimum data rate), until the connection dies or the test stops.
    /// </summary>
    private sealed class EndlessFile(int seed, int head, CancellationToken stop) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync("siret;raison_sociale\r\n"u8.ToArray(), stop);
            var sent = 0;
            using var batch = new MemoryStream();
            foreach (var row in Rows(seed))
            {
                batch.Write(row);
                if (++sent % 1000 == 0)
                {
                    await stream.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), stop);
                    batch.SetLength(0);
                    if (sent > head)
                    {
                        await stream.FlushAsync(stop);
                        await Task.Delay(50, stop);
                    }
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private async Task<HttpResponseMessage> PostAsync(HttpContent content)
    {
        using var client = Client("prevy-agent");
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return await client.PostAsync(Upload, content);
    }

    [Fact]
    public async Task SigkillDuringConcurrentUploads_LosesNothingAcknowledged_AndLeavesNothingPartial()
    {
        await StartAsync();
        // Three uploads still streaming when the process dies: past the point where the gateway
        // spills sorted runs (256 Ki identifiers), with their encrypted payloads half written.
        var cut = Enumerable.Range(10, 3).Select(seed => Task.Run(async () =>
        {
            try
            {
                using var response = await PostAsync(new EndlessFile(seed, 300_000, _stopSending.Token));
                return $"answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return null; // cut by the kill
            }
        })).ToList();
        // Three uploads that complete before the kill, one of them large (many segments).
        var complete = new[] { File_(2_000, 0), File_(300_000, 1), File_(2_000, 2) };
        var acknowledged = new List<(string Id, string Sha256)>();
        foreach (var response in await Task.WhenAll(complete.Select(bytes => PostAsync(new ByteArrayContent(bytes)))))
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
            var created = await response.Content.ReadFromJsonAsync<JsonElement>();
            acknowledged.Add((created.GetProperty("id").GetString()!, created.GetProperty("sha256").GetString()!));
        }

        // The kill, once the three endless uploads are well into the gateway: each has a temporary
        // payload of more than 12 MiB of ciphertext (more than 256 Ki rows read, so sorted runs spilled).
        var committed = acknowledged.Select(a => a.Id + ".cpom").ToHashSet(StringComparer.Ordinal);
        await WaitForAsync(() => Directory.EnumerateFiles(Payloads, "*", SearchOption.AllDirectories)
            .Count(f => !committed.Contains(Path.GetFileName(f)) && new FileInfo(f).Length > 12 * 1024 * 1024) >= 3, "three uploads streaming");
        Assert.True(Directory.EnumerateFiles(Path.Combine(_home, "spool")).Any(), "Precondition: the uploads in flight have spilled sorted runs.");
        Assert.True(_gateway!.Running, "The gateway stopped before the kill.");
        await _gateway.DisposeAsync(); // SIGKILL
        _gateway = null;
        var outcomes = await Task.WhenAll(cut).WaitAsync(HangGuard);
        // Each of them was cut by the kill: none answered anything (neither 201 nor a refusal).
        Assert.Equal(new string?[] { null, null, null }, outcomes);
        await _stopSending.CancelAsync();

        await StartAsync();
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Payloads, "tmp")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_home, "spool")));

        // The database holds exactly the acknowledged datasets, and the store exactly their files.
        await using (var db = await CpomDatabase.OpenAsync(_storage, new CpomHome(_home), migrate: false))
        {
            var rows = await db.Datasets.AsNoTracking().ToListAsync();
            Assert.Equal(acknowledged.Select(a => a.Id).Order(), rows.Select(r => r.Id).Order());
            Assert.All(rows, r => Assert.Equal(DatasetStatus.Available, r.Status));
            var files = Directory.EnumerateFiles(Payloads).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(rows.SelectMany(r => new[] { r.PayloadName, DatasetFiles.SubjectsNameOf(r.PayloadName) }).Order(StringComparer.Ordinal), files);
        }

        // Every acknowledged dataset is listed and downloads whole, with its SHA-256.
        using var carsat = Client("carsat-lr-agent");
        var inbox = await carsat.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        var listed = inbox.GetProperty("datasets").EnumerateArray().Select(d => (d.GetProperty("id").GetString()!, d.GetProperty("sha256").GetString()!)).ToList();
        Assert.Equal(acknowledged.Order(), listed.Order());
        foreach (var (id, sha) in listed)
        {
            var bytes = await carsat.GetByteArrayAsync($"api/v1/datasets/{id}/content?purpose=sinistralite");
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        }
        foreach (var dpo in new[] { "prevy-dpo", "carsat-lr-dpo" })
        {
            using var client = Client(dpo);
            var verification = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
            Assert.True(verification.GetProperty("valid").GetBoolean(), verification.GetRawText());
        }
    }

    private async Task WaitForAsync(Func<bool> condition, string what)
    {
        using var guard = new CancellationTokenSource(HangGuard);
        while (!condition())
        {
            Assert.True(_gateway!.Running, $"The gateway exited while waiting for {what}:\n{string.Join('\n', _gateway.Output)}");
            try
            {
                await Task.Delay(50, guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Still waiting for {what} after {HangGuard} (hang guard).");
            }
        }
    }
}
