using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The gateway as a separate process, killed with SIGKILL in the middle of concurrent large
/// uploads, then restarted: nothing partial is listed or downloadable, temporary files are cleaned
/// up, every dataset acknowledged with 201 is intact, and every controller's log verifies.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("cpom-crash-").FullName;
    private readonly int _port = LoopbackPort.Free();
    private Process? _gateway;

    public void Dispose()
    {
        Stop();
        CpomExchange.Infrastructure.Storage.CpomDatabase.ClearPools();
        Directory.Delete(_home, recursive: true);
    }

    private async Task StartAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "CpomExchange.Gateway.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { dll, "--environment", "Development", "--urls", $"https://127.0.0.1:{_port}", "--Cpom:Home", _home,
            "--Cpom:Policies", TestPaths.Policies, "--Logging:LogLevel:Default", "Warning" })
        {
            start.ArgumentList.Add(arg);
        }
        _gateway = Process.Start(start)!;
        _gateway.OutputDataReceived += (_, _) => { };
        _gateway.ErrorDataReceived += (_, _) => { };
        _gateway.BeginOutputReadLine();
        _gateway.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (File.Exists(Path.Combine(_home, "dev", "prevy-agent.pfx")))
                {
                    using var client = Client("prevy-agent");
                    if ((await client.GetAsync("health/live")).StatusCode == HttpStatusCode.OK)
                    {
                        return;
                    }
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(DateTime.UtcNow < deadline, "The gateway process did not start within 60 s.");
            Assert.False(_gateway.HasExited, "The gateway process exited at start.");
            await Task.Delay(200);
        }
    }

    private void Stop()
    {
        if (_gateway is { HasExited: false })
        {
            _gateway.Kill(entireProcessTree: true); // SIGKILL on Linux
            _gateway.WaitForExit();
        }
        _gateway?.Dispose();
        _gateway = null;
    }

    private HttpClient Client(string identity)
    {
        var client = GatewayFixture.CreateClient(Path.Combine(_home, "dev"), new Uri($"https://127.0.0.1:{_port}/"), DevPki.LoadIdentity(Path.Combine(_home, "dev"), identity));
        client.Timeout = TimeSpan.FromMinutes(2);
        return client;
    }

    private static byte[] File_(int rows, int seed)
    {
        var text = new StringBuilder("siret;raison_sociale\r\n");
        var count = 0;
        foreach (var siret in TestSirets.From(100_000_000 + seed * 1_000_000L).Take(rows))
        {
            text.Append(siret).Append(";ENTREPRISE ").Append(count).Append("\r\n");
            count++;
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public async Task SigkillDuringConcurrentUploads_LosesNothingAcknowledged_AndLeavesNothingPartial()
    {
        await StartAsync();
        var files = Enumerable.Range(0, 6).Select(i => File_(i % 2 == 0 ? 2_000 : 300_000, i)).ToList();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<(string Id, string Sha)>();
        var uploads = files.Select(async bytes =>
        {
            try
            {
                using var client = Client("prevy-agent");
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                var response = await client.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var created = await response.Content.ReadFromJsonAsync<JsonElement>();
                    acknowledged.Add((created.GetProperty("id").GetString()!, created.GetProperty("sha256").GetString()!));
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // Cut by the kill: not acknowledged, so nothing is owed.
            }
        }).ToList();
        // Kill once the small files are through and the large ones are being streamed.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (acknowledged.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Stop();
        await Task.WhenAll(uploads);
        Assert.True(acknowledged.Count >= 3, $"{acknowledged.Count} uploads acknowledged before the kill.");
        // The kill must have cut uploads in the middle, or the test proves nothing.
        Assert.True(acknowledged.Count < files.Count, "Every upload finished before the kill.");

        await StartAsync();
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_home, "payloads", "tmp")));

        using var carsat = Client("carsat-lr-agent");
        var inbox = await carsat.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        var listed = inbox.GetProperty("datasets").EnumerateArray().Select(d => (Id: d.GetProperty("id").GetString()!, Sha: d.GetProperty("sha256").GetString()!)).ToList();
        // Every acknowledged dataset is listed and intact...
        foreach (var (id, sha) in acknowledged)
        {
            Assert.Contains((id, sha), listed);
        }
        // ...and whatever is listed downloads whole, with its SHA-256.
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
}
