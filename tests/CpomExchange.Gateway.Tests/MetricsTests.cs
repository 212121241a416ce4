using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.RegularExpressions;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The gateway's own counters are process-wide (one static meter) and every gateway of the test
/// process exports them: these tests run alone, so that the differences they measure are theirs.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics (alone)";
}

/// <summary><c>/metrics</c>: who may scrape it, what an upload and a refusal count, and what no label may hold.</summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MetricsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Upload = "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite";

    private static ByteArrayContent Csv(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    /// <summary>A monitoring probe: a certificate of the trusted CA that no agent is registered with.</summary>
    private HttpClient Probe()
    {
        var probe = DevPki.IssueClientCertificate(gateway.Ca, "prometheus", null, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return gateway.Client(probe);
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var probe = Probe();
        var response = await probe.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_AfterAnUploadAndARefusal_CountThemExactly_AndNameNoSiretDatasetOrAgent()
    {
        var sample = await File.ReadAllBytesAsync(Path.Combine(GatewayFixture.SamplesDirectory, "adherents.csv"));
        var text = Encoding.UTF8.GetString(sample);
        var sirets = SiretPattern().Matches(text).Select(m => m.Value).Distinct().ToList();
        Assert.Equal(8, sirets.Count);
        // The same file with one SIRET whose check digit is wrong: refused as a whole (422 csv.invalid-file).
        var bad = Encoding.UTF8.GetBytes(text.Replace(sirets[0], sirets[0][..13] + (sirets[0][13] == '0' ? '1' : '0'), StringComparison.Ordinal));

        var before = await ScrapeAsync();
        using var prevy = gateway.ClientFor("prevy-agent");
        var accepted = await prevy.PostAsync(Upload, Csv(sample));
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var dataset = (await accepted.Content.ReadFromJsonAsync<DatasetShape>())!;
        var refused = await prevy.PostAsync(Upload, Csv(bad));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("csv.invalid-file", (await refused.Content.ReadFromJsonAsync<ProblemShape>())!.Code);
        var after = await ScrapeAsync();

        var adherents = new Dictionary<string, string> { ["exchange"] = "adherents" };
        Assert.Equal(1, after.Value("cpom_datasets_accepted_total", adherents) - before.Value("cpom_datasets_accepted_total", adherents));
        Assert.Equal(8, after.Value("cpom_datasets_rows_total", adherents) - before.Value("cpom_datasets_rows_total", adherents));
        Assert.Equal(sample.Length, after.Value("cpom_datasets_received_bytes_total", adherents) - before.Value("cpom_datasets_received_bytes_total", adherents));
        var invalid = new Dictionary<string, string> { ["exchange"] = "adherents", ["code"] = "csv.invalid-file" };
        Assert.Equal(1, after.Value("cpom_datasets_refused_total", invalid) - before.Value("cpom_datasets_refused_total", invalid));
        foreach (var outcome in new[] { "accepted", "refused" })
        {
            var labels = new Dictionary<string, string> { ["exchange"] = "adherents", ["outcome"] = outcome };
            Assert.Equal(1, after.Value("cpom_upload_duration_seconds_count", labels) - before.Value("cpom_upload_duration_seconds_count", labels));
        }
        // The upload's entries (sender and recipient) and the refusal's (sender) in the access logs.
        var upload = new Dictionary<string, string> { ["action"] = "upload" };
        Assert.Equal(3, after.Value("cpom_accesslog_appends_total", upload) - before.Value("cpom_accesslog_appends_total", upload));
        // The platform's meters are there too.
        Assert.Contains("http_server_request_duration_seconds_count{", after.Text, StringComparison.Ordinal);
        Assert.Contains("kestrel_", after.Text, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", after.Text, StringComparison.Ordinal);

        // No label (nor anything else scraped) names a company, the dataset or the agent.
        Assert.StartsWith("ds_", dataset.Id, StringComparison.Ordinal);
        foreach (var value in sirets.Append(sirets[0][..9]).Append(dataset.Id).Append(dataset.Id[3..]).Append("prevy-agent"))
        {
            Assert.DoesNotContain(value, after.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_ExchangeLabel_IsNeverWhatTheCallerTyped()
    {
        var typed = "x" + string.Concat(Enumerable.Repeat("4", 13)) + "9";
        var before = await ScrapeAsync();
        using var prevy = gateway.ClientFor("prevy-agent");
        var refused = await prevy.PostAsync($"api/v1/datasets?type={typed}&to=carsat-lr&purpose=sinistralite", Csv("siret\n"u8.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var after = await ScrapeAsync();
        var other = new Dictionary<string, string> { ["exchange"] = "other", ["code"] = "request.unknown-exchange" };
        Assert.Equal(1, after.Value("cpom_datasets_refused_total", other) - before.Value("cpom_datasets_refused_total", other));
        Assert.DoesNotContain(typed, after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_NeedATrustedCertificate_NotARegisteredAgent()
    {
        // A probe's certificate of the trusted CA: answered, in Prometheus's text format.
        using var probe = Probe();
        var scraped = await probe.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Equal("text/plain", scraped.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE ", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // No certificate: refused at the handshake, nothing answered.
        using var anonymous = gateway.Client(null);
        await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.GetAsync("metrics"));

        // A certificate of another CA: refused at the handshake too.
        using var otherCa = DevPki.CreateCa("Autre AC");
        using var foreign = DevPki.IssueClientCertificate(otherCa, "prometheus", null, null, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using var stranger = gateway.Client(foreign);
        await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync("metrics"));
    }

    [GeneratedRegex(@"\b\d{14}\b")]
    private static partial Regex SiretPattern();

    private sealed record DatasetShape(string Id, long Rows);

    private sealed record ProblemShape(string Code);

    /// <summary>One scrape in Prometheus's text format.</summary>
    private sealed partial class Scrape(string text)
    {
        public string Text { get; } = text;

        /// <summary>The value of the one series named <paramref name="name"/> whose labels include <paramref name="labels"/>; 0 if none yet.</summary>
        public double Value(string name, IReadOnlyDictionary<string, string> labels)
        {
            var matches = new List<double>();
            foreach (var line in Text.Split('\n'))
            {
                if (line.StartsWith('#') || !line.StartsWith(name + "{", StringComparison.Ordinal))
                {
                    continue;
                }
                var close = line.LastIndexOf('}');
                var series = LabelPattern().Matches(line[(name.Length + 1)..close]).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
                if (labels.All(l => series.TryGetValue(l.Key, out var v) && v == l.Value))
                {
                    matches.Add(double.Parse(line[(close + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
                }
            }
            Assert.True(matches.Count <= 1, $"{matches.Count} series {name} match {string.Join(",", labels)}.");
            return matches.Count == 0 ? 0 : matches[0];
        }

        [GeneratedRegex("""(\w+)="((?:[^"\\]|\\.)*)"(?:,|$)""")]
        private static partial Regex LabelPattern();
    }
}
