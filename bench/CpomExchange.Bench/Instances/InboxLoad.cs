using System.Diagnostics;
using System.Net;

namespace CpomExchange.Bench.Instances;

/// <summary>
/// Keep-alive clients, each with one connection and its agent's certificate, listing their
/// organisation's inbox in a loop: each listing answered 200 is one entry appended to that
/// organisation's access log.
/// </summary>
internal static class InboxLoad
{
    public const string Path = "api/v1/inbox";

    private const int FailuresKept = 5;

    /// <summary>
    /// Every client GETs <see cref="Path"/> in a loop until <paramref name="seconds"/> have passed
    /// (the requests under way then finish); a status other than 200, or a failed request, is counted
    /// and the loop goes on.
    /// </summary>
    public static async Task<LoadRun> RunAsync(IReadOnlyList<LoadClient> clients, double seconds, CancellationToken cancellationToken)
    {
        var results = new ClientResult[clients.Count];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (client, index) =>
        {
            var result = results[index] = new ClientResult(client);
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.Http.GetAsync(Path, cancellationToken);
                    var body = await response.Content.ReadAsStringAsync(cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        result.Latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        result.Fail($"{(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    result.Fail($"{e.GetType().Name}: {e.Message}");
                }
            }
        }));
        return new LoadRun(results, watch.Elapsed.TotalSeconds);
    }

    /// <summary>What one client got: its latencies of the 200 answers, and the rest.</summary>
    internal sealed class ClientResult(LoadClient client)
    {
        public LoadClient Client { get; } = client;

        public List<double> Latencies { get; } = [];

        public int Failures { get; private set; }

        public List<string> FirstFailures { get; } = [];

        public void Fail(string what)
        {
            Failures++;
            if (FirstFailures.Count < FailuresKept)
            {
                FirstFailures.Add(what);
            }
        }
    }
}

/// <summary>A client of the load: which instance it talks to, as which organisation.</summary>
internal sealed record LoadClient(string Instance, string Organisation, HttpClient Http);

/// <summary>The clients' results over the measured time.</summary>
internal sealed record LoadRun(IReadOnlyList<InboxLoad.ClientResult> Results, double Seconds)
{
    /// <summary>Listings answered 200 (one access-log entry each).</summary>
    public long Ok(Func<LoadClient, bool>? which = null) => Select(which).Sum(r => (long)r.Latencies.Count);

    public long Failures(Func<LoadClient, bool>? which = null) => Select(which).Sum(r => (long)r.Failures);

    public double Rate(Func<LoadClient, bool>? which = null) => Ok(which) / Seconds;

    /// <summary>p50 and p99 of the 200 answers, in milliseconds.</summary>
    public (double P50, double P99) Latency(Func<LoadClient, bool>? which = null)
    {
        var sorted = Select(which).SelectMany(r => r.Latencies).Order().ToArray();
        return (BenchGateway.Percentile(sorted, 0.50), BenchGateway.Percentile(sorted, 0.99));
    }

    public IEnumerable<string> FirstFailures => Results.SelectMany(r => r.FirstFailures.Select(f => $"{r.Client.Organisation} via {r.Client.Instance}: {f}"));

    private IEnumerable<InboxLoad.ClientResult> Select(Func<LoadClient, bool>? which) =>
        which is null ? Results : Results.Where(r => which(r.Client));
}
