using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CpomExchange.Bench.Crypto;

namespace CpomExchange.Bench.Soak;

/// <summary>
/// The soak: a real gateway (Kestrel, TLS, SQLite, local keys) in this process, N clients each
/// uploading an adherents file, listing the inbox, downloading a dataset and, now and then, making a
/// request the policy refuses, for S seconds. It reports requests, errors and latency percentiles per
/// operation, then checks that every acknowledged dataset downloads with its SHA-256 and that every
/// controller's access log verifies.
/// </summary>
internal sealed class SoakSuite(BenchOptions options, Report report)
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<double>> _latencies = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<(string Id, string Sha)> _acknowledged = [];
    private readonly ConcurrentBag<string> _errors = [];
    private string[] _sirets = [];

    public async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        report.BeginSuite("soak", $"{options.Clients} clients, {options.Seconds} s");
        await using var gateway = await BenchGateway.StartAsync(Path.Combine(root, "soak"), [], cancellationToken);
        {
            var address = gateway.Address;
            var dev = gateway.DevDirectory;
            _sirets = SiretGenerator.Generate(5_000);
            var stop = Stopwatch.StartNew();
            var clients = Enumerable.Range(0, options.Clients).Select(i => ClientLoopAsync(i, address, dev, stop, cancellationToken)).ToList();
            await Task.WhenAll(clients);
            var elapsed = stop.Elapsed.TotalSeconds;

            // Nothing lost: every acknowledged dataset downloads whole; every log verifies.
            using var carsat = BenchGateway.Client(address, dev, "carsat-lr-agent");
            var lost = 0;
            foreach (var (id, sha) in _acknowledged)
            {
                var bytes = await carsat.GetByteArrayAsync($"api/v1/datasets/{id}/content?purpose=sinistralite", cancellationToken);
                if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha)
                {
                    lost++;
                }
            }
            var logsValid = 0;
            foreach (var dpo in new[] { "prevy-dpo", "carsat-lr-dpo", "satm-dpo" })
            {
                using var client = BenchGateway.Client(address, dev, dpo);
                var verdict = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/verify", cancellationToken);
                if (verdict.GetProperty("valid").GetBoolean())
                {
                    logsValid++;
                }
                else
                {
                    _errors.Add($"{dpo}: {verdict.GetProperty("summary").GetString()}");
                }
            }

            var total = _latencies.Values.Sum(l => l.Count);
            report.Add("requests", "requests", total, "requests");
            report.Add("rate", "requests per second", total / elapsed, "req/s");
            report.AddAtMost("errors", "errors (unexpected status or exception)", _errors.Count, "errors", 0);
            report.Add("acknowledged", "datasets acknowledged (201)", _acknowledged.Count, "datasets");
            report.AddAtMost("lost", "acknowledged datasets missing or altered", lost, "datasets", 0);
            report.AddAtLeast("logs-valid", "controllers' logs verified (of 3)", logsValid, "logs", 3);
            foreach (var (operation, values) in _latencies.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var sorted = values.Order().ToArray();
                report.Add($"{operation}.count", $"{operation}: requests", sorted.Length, "requests");
                report.Add($"{operation}.p50", $"{operation}: p50", BenchGateway.Percentile(sorted, 0.50), "ms");
                report.Add($"{operation}.p99", $"{operation}: p99", BenchGateway.Percentile(sorted, 0.99), "ms");
            }
            foreach (var error in _errors.Take(10))
            {
                report.Note("error: " + error);
            }
            report.EndSuite();
        }
    }

    private async Task ClientLoopAsync(int index, Uri address, string dev, Stopwatch stop, CancellationToken cancellationToken)
    {
        using var prevy = BenchGateway.Client(address, dev, "prevy-agent");
        using var carsat = BenchGateway.Client(address, dev, "carsat-lr-agent");
        using var satm = BenchGateway.Client(address, dev, "satm-agent");
        var random = new Random(index);
        var round = 0;
        while (stop.Elapsed.TotalSeconds < options.Seconds && !cancellationToken.IsCancellationRequested)
        {
            round++;
            var rows = random.Next(10, 2_000);
            var start = random.Next(0, _sirets.Length - rows);
            var csv = "siret;raison_sociale\r\n" + string.Concat(_sirets.Skip(start).Take(rows).Select(s => s + ";ENTREPRISE\r\n"));
            await TimedAsync("upload", HttpStatusCode.Created, () =>
            {
                var content = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
                content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                return prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content, cancellationToken);
            }, async response =>
            {
                var created = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                _acknowledged.Add((created.GetProperty("id").GetString()!, created.GetProperty("sha256").GetString()!));
            });
            await TimedAsync("inbox", HttpStatusCode.OK, () => carsat.GetAsync("api/v1/inbox", cancellationToken), null);
            var known = _acknowledged.ToArray();
            if (known.Length > 0)
            {
                var (id, sha) = known[random.Next(known.Length)];
                await TimedAsync("download", HttpStatusCode.OK, () => carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=sinistralite", cancellationToken), async response =>
                {
                    var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha)
                    {
                        _errors.Add($"download {id}: SHA-256 differs");
                    }
                });
            }
            if (round % 5 == 0)
            {
                // A request the policy refuses (no contract between SATM and the CARSAT LR): 403 is the right answer.
                await TimedAsync("refused", HttpStatusCode.Forbidden, () =>
                {
                    var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret\r\n" + _sirets[0] + "\r\n"));
                    content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
                    return satm.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content, cancellationToken);
                }, null);
            }
        }
    }

    private async Task TimedAsync(string operation, HttpStatusCode expected, Func<Task<HttpResponseMessage>> send, Func<HttpResponseMessage, Task>? then)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await send();
            if (response.StatusCode != expected)
            {
                _errors.Add($"{operation}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            else if (then is not null)
            {
                await then(response);
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            _errors.Add($"{operation}: {e.GetType().Name} {e.Message}");
        }
        _latencies.GetOrAdd(operation, _ => []).Add(watch.Elapsed.TotalMilliseconds);
    }
}
