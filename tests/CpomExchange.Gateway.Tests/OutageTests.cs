using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A gateway whose database waits 2 s for a lock, and whose payload folder is a 1 MiB tmpfs
/// mounted for the run (the tests run as root on Linux, as CI does), so that a full disk is real.
/// </summary>
public sealed class OutageFixture : GatewayFixture
{
    public string Payloads => Path.Combine(Home, "payloads");

    protected override void Configure(WebApplicationBuilder builder)
    {
        Directory.CreateDirectory(Payloads);
        Run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", Payloads);
        builder.Configuration["Cpom:Limits:DatabaseBusyTimeoutSeconds"] = "2";
        // Readiness recomputed at every call, so that each outage shows at once (its sharing is ReadinessTests').
        builder.Configuration["Cpom:Health:ReadinessInterval"] = "00:00:00";
    }

    protected override void OnStopped() => Run("umount", Payloads);

    private static void Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', args)}: {error}");
        }
    }
}

/// <summary>Outages: 503 with a stable code and Retry-After, readiness false, nothing half-written, recovery without restart.</summary>
public sealed class OutageTests(OutageFixture gateway) : IClassFixture<OutageFixture>
{
    private static ByteArrayContent Csv()
    {
        var text = new StringBuilder("siret;raison_sociale\r\n");
        text.Append("10433218419605;").Append(new string('A', 150)).Append("\r\n");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<HttpResponseMessage> UploadAsync()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        return await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", Csv());
    }

    private async Task<JsonElement> ReadinessAsync(HttpStatusCode expected)
    {
        using var client = gateway.ClientFor("prevy-agent");
        var response = await client.GetAsync("health/ready");
        Assert.Equal(expected, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private async Task<int> DatasetsAsync()
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.Datasets.CountAsync();
    }

    /// <summary>The payload files (outside the temporary folder), sorted: what a test compares before and after.</summary>
    private string[] PayloadFiles() =>
        Directory.EnumerateFiles(gateway.Payloads, "*.cpom").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task DatabaseLockedByAnotherProcess_Answers503_ReadinessFalse_ThenRecovers()
    {
        var before = await DatasetsAsync();
        var filesBefore = PayloadFiles();
        // Another process holds the database: SQLite's writer lock, or on PostgreSQL an exclusive lock
        // on the datasets table; the gateway waits 2 s (busy timeout / lock_timeout), then answers 503.
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            var other = db.Database.GetDbConnection();
            await other.OpenAsync();
            await using (var command = other.CreateCommand())
            {
                command.CommandText = db.Database.IsNpgsql() ? "BEGIN; LOCK TABLE datasets IN ACCESS EXCLUSIVE MODE;" : "BEGIN IMMEDIATE;";
                await command.ExecuteNonQueryAsync();
            }
            var upload = await UploadAsync();
            Assert.Equal("storage.unavailable", (await upload.ReadProblemAsync(HttpStatusCode.ServiceUnavailable)).Code());
            Assert.NotNull(upload.Headers.RetryAfter);
            // A listing, whose log entry goes through the group commit, fails the same way: no answer without its entry.
            using (var carsat = gateway.ClientFor("carsat-lr-agent"))
            {
                var inbox = await carsat.GetAsync("api/v1/inbox");
                Assert.Equal("storage.unavailable", (await inbox.ReadProblemAsync(HttpStatusCode.ServiceUnavailable)).Code());
            }
            var ready = await ReadinessAsync(HttpStatusCode.ServiceUnavailable);
            Assert.False(ready.GetProperty("ready").GetBoolean());
            Assert.Contains(ready.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "base de données" && !c.GetProperty("ready").GetBoolean());
            // Nothing of the refused upload stays: the payload files are those there were before it.
            Assert.Equal(filesBefore, PayloadFiles());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(gateway.Payloads, "tmp")));
            await using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }
        Assert.Equal(before, await DatasetsAsync());
        await ReadinessAsync(HttpStatusCode.OK);
        using (var carsat = gateway.ClientFor("carsat-lr-agent"))
        {
            Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync("api/v1/inbox")).StatusCode);
        }
        var created = await UploadAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(before + 1, await DatasetsAsync());
        Assert.Equal(filesBefore.Length + 1, PayloadFiles().Length);
    }

    [Fact]
    public async Task DiskFull_Answers503_NothingHalfWritten_ReadinessFalse_ThenRecovers()
    {
        {
            var before = await DatasetsAsync();
            var filesBefore = PayloadFiles();
            var filler = Path.Combine(gateway.Payloads, "filler");
            await using (var stream = new FileStream(filler, FileMode.Create))
            {
                try
                {
                    // Fill the 1 MiB tmpfs to the last byte.
                    var block = new byte[4096];
                    while (true)
                    {
                        await stream.WriteAsync(block);
                        await stream.FlushAsync();
                    }
                }
                catch (IOException)
                {
                    // No space left on device: full.
                }
            }
            var upload = await UploadAsync();
            Assert.Equal("storage.unavailable", (await upload.ReadProblemAsync(HttpStatusCode.ServiceUnavailable)).Code());
            Assert.NotNull(upload.Headers.RetryAfter);
            var ready = await ReadinessAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Contains(ready.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "stockage des contenus" && !c.GetProperty("ready").GetBoolean());
            Assert.Equal(before, await DatasetsAsync());
            Assert.Equal(filesBefore, PayloadFiles());
            Assert.Empty(Directory.EnumerateFiles(Path.Combine(gateway.Payloads, "tmp")));

            File.Delete(filler);
            await ReadinessAsync(HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.Created, (await UploadAsync()).StatusCode);
            Assert.Equal(before + 1, await DatasetsAsync());
            Assert.Equal(filesBefore.Length + 1, PayloadFiles().Length);
        }
    }
}
