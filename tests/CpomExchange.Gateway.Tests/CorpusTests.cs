using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>A gateway with a row limit small enough to test it.</summary>
public sealed class CorpusFixture : GatewayFixture
{
    protected override void Configure(WebApplicationBuilder builder) => builder.Configuration["Cpom:Limits:MaxRows"] = "1000";
}

/// <summary>Every file of tests/Corpus is refused with its stable code and line, nothing is stored, and the refusal is logged.</summary>
public sealed class CorpusTests(CorpusFixture gateway) : IClassFixture<CorpusFixture>
{
    private static string CorpusDirectory => Path.Combine(TestPaths.RepositoryRoot, "tests", "Corpus");

    public static TheoryData<string, string, string, string, string, string, long> Cases()
    {
        var data = new TheoryData<string, string, string, string, string, string, long>();
        foreach (var line in File.ReadAllLines(Path.Combine(CorpusDirectory, "expected.tsv")).Skip(1).Where(l => l.Length > 0))
        {
            var f = line.Split('\t');
            data.Add(f[0], f[1], f[2], f[3], f[4], f[5], long.Parse(f[6], System.Globalization.CultureInfo.InvariantCulture));
        }
        return data;
    }

    [Fact]
    public void TheCorpus_HasAtLeastSixtyFiles() => Assert.True(Cases().Count >= 60, $"{Cases().Count} cases");

    private static byte[] Content(string file) => file switch
    {
        "generated:single-10mb-line" => Encoding.UTF8.GetBytes("siret;raison_sociale\r\n10433218419605;" + new string('A', 10 * 1024 * 1024) + "\r\n"),
        "generated:more-rows-than-the-limit" => Encoding.UTF8.GetBytes("siret\r\n" + string.Concat(TestSirets.From().Take(1001).Select(s => s + "\r\n"))),
        _ => File.ReadAllBytes(Path.Combine(CorpusDirectory, file)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadFile_IsRefused_WithItsCodeAndLine_NothingStored_RefusalLogged(string file, string exchange, string identity, string to, string purpose, string code, long line)
    {
        var organisation = identity[..identity.LastIndexOf('-')];
        var dpo = organisation + "-dpo";
        int datasetsBefore;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            datasetsBefore = await db.Datasets.CountAsync();
        }
        var deniedBefore = await DeniedUploadsAsync(dpo);
        var payloadsBefore = PayloadFiles();

        using var client = gateway.ClientFor(identity);
        var content = new ByteArrayContent(Content(file));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var response = await client.PostAsync($"api/v1/datasets?type={exchange}&to={to}&purpose={purpose}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{file}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (Line: e.GetProperty("line").GetInt64(), Code: e.GetProperty("code").GetString())).ToList();
        Assert.True(errors.Contains((line, code)), $"{file}: expected {code} at line {line}, got {string.Join(", ", errors.Select(e => $"{e.Code}@{e.Line}"))}");

        await using (var db = await gateway.OpenDatabaseAsync())
        {
            Assert.Equal(datasetsBefore, await db.Datasets.CountAsync());
        }
        Assert.Equal(payloadsBefore, PayloadFiles());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads", "tmp")));
        Assert.Equal(deniedBefore + 1, await DeniedUploadsAsync(dpo));
    }

    private string[] PayloadFiles() =>
        [.. Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    private async Task<long> DeniedUploadsAsync(string dpo)
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?action=upload&outcome=denied&pageSize=1");
        return page.GetProperty("total").GetInt64();
    }
}
