using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The two statistics exchanges end to end over real mTLS (DOMAIN.md 9 and 10): the caisse's
/// <c>statistiques-sinistralite</c> table, masked as a whole before it is stored, and the DREETS's
/// <c>statistiques-dreets</c>, both for the purpose <c>diagnostic</c>, under the contracts whose
/// seeds name them, logged under both controllers.
/// </summary>
public sealed class StatisticsTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string StatsQuery = "type=statistiques-sinistralite&purpose=diagnostic";
    private const string DreetsQuery = "type=statistiques-dreets&purpose=diagnostic";
    private const int Code = 2, Zone = 3, Etablissements = 4, Effectif = 5, NbAt = 6, Frequency = 11;
    private static readonly int[] Additive = [4, 5, 6, 7, 8, 9, 10];

    private static string Sample(string type) => File.ReadAllText(Path.Combine(TestPaths.Samples, type + ".csv"), Encoding.UTF8);

    [Fact]
    public async Task CaisseStatistics_ReachTheSpsti_MaskedAsAWhole_AndNoMaskedValueComesBackFromTheSums()
    {
        var id = await (await gateway.PostCsvAsync("carsat-ra-agent", StatsQuery + "&to=pst38", Sample("statistiques-sinistralite"))).IdAsync();

        using var pst38 = gateway.ClientFor("pst38-agent");
        var inbox = await pst38.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        Assert.Contains(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("id").GetString() == id && d.GetProperty("type").GetString() == "statistiques-sinistralite");
        var content = await gateway.ContentAsync("pst38-agent", id, "diagnostic");
        var rows = content.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(';')).ToList();
        Assert.Equal(16, rows.Count);
        string[] Row(string code, string zone) => rows.Single(r => r[Code] == code && r[Zone] == zone);

        // Three establishments in sector A, Isère: masked whole.
        Assert.Equal("2025;CTN;A;38;<5;secret;secret;secret;secret;secret;secret;secret;secret", string.Join(';', Row("A", "38")));
        // The region's total of all sectors, as sent but for its one death: a small count, even in a total.
        Assert.Equal("2025;CTN;TOUS;REGION;245;7495;212;26;4720;11;<5;28,3;0,39", string.Join(';', Row("TOUS", "REGION")));
        // Every marker is counted, on both sides.
        var markers = rows.Sum(r => r.Count(c => c is "<5" or "secret"));
        Assert.Equal(markers, (await gateway.MetadataAsync("pst38-agent", id)).GetProperty("maskedCells").GetInt64());
        Assert.Equal(markers, (await gateway.MetadataAsync("carsat-ra-agent", id)).GetProperty("maskedCells").GetInt64());

        // The attacker's first moves on what was delivered: no group holds a single masked cell (total
        // − the other cells), and no row shows IF with nb_at or the effectif masked.
        foreach (var (margin, total) in new[] { (Zone, "REGION"), (Code, "TOUS") })
        {
            foreach (var group in rows.GroupBy(r => margin == Zone ? r[Code] : r[Zone]).Where(g => g.Any(r => r[margin] == total)))
            {
                foreach (var c in Additive)
                {
                    Assert.True(group.Count(r => r[c] is "<5" or "secret") != 1, $"column {c} of group {group.Key}: one masked cell, given back by the sum");
                }
            }
        }
        Assert.DoesNotContain(rows, r => r[Frequency] != "secret" && (r[NbAt] is "<5" or "secret" || r[Effectif] is "<5" or "secret"));
        // The small cell's partners in its two groups: A/73 in sector A, B/38 (the smallest other) in Isère.
        Assert.Equal("secret", Row("A", "73")[Etablissements]);
        Assert.Equal("secret", Row("B", "38")[Etablissements]);

        // Both controllers' logs: the caisse's upload and the SPSTI's download in each.
        var caisseLog = await gateway.LogEntriesAsync("carsat-ra-dpo", id);
        Assert.Contains(caisseLog, e => e.GetProperty("action").GetString() == "upload" && e.GetProperty("agent").GetString() == "carsat-ra-agent"
            && e.GetProperty("outcome").GetString() == "allowed" && e.GetProperty("purpose").GetString() == "diagnostic");
        Assert.Contains(caisseLog, e => e.GetProperty("action").GetString() == "download" && e.GetProperty("agent").GetString() == "pst38-agent");
        var spstiLog = await gateway.LogEntriesAsync("pst38-dpo", id);
        Assert.Contains(spstiLog, e => e.GetProperty("action").GetString() == "upload" && e.GetProperty("exchange").GetString() == "statistiques-sinistralite");
        Assert.Contains(spstiLog, e => e.GetProperty("action").GetString() == "download" && e.GetProperty("agent").GetString() == "pst38-agent"
            && e.GetProperty("purpose").GetString() == "diagnostic");
    }

    [Theory]
    // No seed says the DREETS receives the caisse's statistics: the contracts send them to the SPSTI only.
    [InlineData("carsat-ra-agent", "&to=dreets-aura", "diagnostic", HttpStatusCode.Forbidden, "policy.direction-not-allowed")]
    [InlineData("carsat-ra-agent", "&to=pst38", "ciblage", HttpStatusCode.Forbidden, "policy.purpose-not-allowed")]
    [InlineData("carsat-ra-agent", "&to=pst38", "sinistralite", HttpStatusCode.Forbidden, "policy.purpose-not-allowed")]
    // Seed 001 names the per-establishment sinistralité (art. 6), not these statistics.
    [InlineData("carsat-lr-agent", "&to=prevy", "diagnostic", HttpStatusCode.Forbidden, "policy.exchange-not-in-contract")]
    [InlineData("carsat-ra-agent", "&to=satm", "diagnostic", HttpStatusCode.Forbidden, "policy.no-contract")]
    [InlineData("pst38-agent", "&to=carsat-ra", "diagnostic", HttpStatusCode.Forbidden, "policy.direction-not-allowed")]
    [InlineData("carsat-ra-dpo", "&to=pst38", "diagnostic", HttpStatusCode.Forbidden, "policy.role-not-allowed")]
    public async Task CaisseStatistics_Refused_OutsideWhatTheSeedsOpen(string identity, string to, string purpose, HttpStatusCode status, string code)
    {
        using var client = gateway.ClientFor(identity);
        var response = await client.PostAsync($"api/v1/datasets?type=statistiques-sinistralite&purpose={purpose}{to}", Calls.Csv(Sample("statistiques-sinistralite")));
        Assert.Equal(code, (await response.ReadProblemAsync(status)).Code());
    }

    [Fact]
    public async Task ATableThatCannotBeMasked_IsRefused_WithItsLines_AndNothingIsStored()
    {
        const string header = "annee;niveau;code;zone;nb_etablissements;effectif;nb_at;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite\r\n";
        var duplicate = await gateway.PostCsvAsync("carsat-ra-agent", StatsQuery + "&to=pst38",
            header + "2025;CTN;A;38;20;400;10;0;100;0;0;25,0;0,16\r\n2025;CTN;A;38;21;410;12;0;100;0;0;29,3;0,15\r\n");
        Assert.Equal([(3L, "csv.duplicate-cell")], await duplicate.RowErrorsAsync());
        var mixed = await gateway.PostCsvAsync("carsat-ra-agent", StatsQuery + "&to=pst38",
            header + "2025;CTN;A;38;20;400;10;0;100;0;0;25,0;0,16\r\n2025;NAF;86.21Z;38;30;900;12;0;100;0;0;13,3;0,07\r\n");
        Assert.Equal([(3L, "csv.mixed-levels")], await mixed.RowErrorsAsync());
        // A SIRET column has no place in an aggregate.
        var siret = await gateway.PostCsvAsync("carsat-ra-agent", StatsQuery + "&to=pst38", "siret;" + header.Replace("\r\n", "", StringComparison.Ordinal) + "\r\n01338908538633;2025;CTN;A;38;20;400;10;0;100;0;0;25,0;0,16\r\n");
        Assert.Equal("csv.invalid-file", (await siret.ReadProblemAsync(HttpStatusCode.UnprocessableEntity)).Code());
        Assert.Contains(await siret.RowErrorsAsync(), e => e.Code == "csv.unknown-column");
        using var pst38 = gateway.ClientFor("pst38-agent");
        var inbox = await pst38.GetFromJsonAsync<JsonElement>("api/v1/inbox");
        Assert.DoesNotContain(inbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("rows").GetInt64() == 2 && d.GetProperty("type").GetString() == "statistiques-sinistralite");
    }

    [Theory]
    [InlineData("dreets-aura-agent", "pst38", "dreets-aura-dpo", "pst38-dpo")]
    [InlineData("dreets-aura-agent", "carsat-ra", "dreets-aura-dpo", "carsat-ra-dpo")]
    [InlineData("dreets-occitanie-agent", "prevy", "dreets-occitanie-dpo", "prevy-dpo")]
    [InlineData("dreets-pdl-agent", "carsat-pdl", "dreets-pdl-dpo", "carsat-pdl-dpo")]
    public async Task DreetsStatistics_ReachTheSpstiAndTheCaisse_AsSent(string sender, string recipient, string senderDpo, string recipientDpo)
    {
        var sample = Sample("statistiques-dreets");
        var id = await (await gateway.PostCsvAsync(sender, DreetsQuery + "&to=" + recipient, sample)).IdAsync();
        var content = await gateway.ContentAsync(recipient + "-agent", id, "diagnostic");
        Assert.Equal(sample.TrimStart('\uFEFF'), content.TrimStart('\uFEFF'));
        Assert.Equal(0, (await gateway.MetadataAsync(recipient + "-agent", id)).GetProperty("maskedCells").GetInt64());
        Assert.Contains(await gateway.LogEntriesAsync(senderDpo, id), e => e.GetProperty("action").GetString() == "upload" && e.GetProperty("outcome").GetString() == "allowed");
        Assert.Contains(await gateway.LogEntriesAsync(recipientDpo, id), e => e.GetProperty("action").GetString() == "download" && e.GetProperty("agent").GetString() == recipient + "-agent");
        // The other party of the contract does not see it: a dataset has one recipient.
        var other = recipient.StartsWith("carsat", StringComparison.Ordinal) ? "pst38-agent" : "carsat-ra-agent";
        using var client = gateway.ClientFor(other);
        Assert.Equal("dataset.not-found", (await (await client.GetAsync($"api/v1/datasets/{id}/content?purpose=diagnostic")).ReadProblemAsync(HttpStatusCode.NotFound)).Code());
    }

    [Theory]
    // Seed 000 names no DEETS statistics.
    [InlineData("deets-guadeloupe-agent", "cist971", "diagnostic", "policy.exchange-not-in-contract")]
    [InlineData("dreets-aura-agent", "pst38", "indicateurs", "policy.purpose-not-allowed")]
    [InlineData("dreets-aura-agent", "prevy", "diagnostic", "policy.no-contract")]
    [InlineData("pst38-agent", "dreets-aura", "diagnostic", "policy.direction-not-allowed")]
    [InlineData("carsat-ra-agent", "pst38", "diagnostic", "policy.direction-not-allowed")]
    public async Task DreetsStatistics_Refused_OutsideWhatTheSeedsOpen(string identity, string to, string purpose, string code)
    {
        using var client = gateway.ClientFor(identity);
        var response = await client.PostAsync($"api/v1/datasets?type=statistiques-dreets&purpose={purpose}&to={to}", Calls.Csv(Sample("statistiques-dreets")));
        Assert.Equal(code, (await response.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
    }

    [Fact]
    public async Task DreetsStatistics_WithASiretOrNirColumn_AreRefused()
    {
        var withSiret = "siret;" + Sample("statistiques-dreets").TrimStart('\uFEFF').Split("\r\n")[0] + "\r\n01338908538633;2024;ESE;Effectif;;;38;12;salariés;\r\n";
        var response = await gateway.PostCsvAsync("dreets-aura-agent", DreetsQuery + "&to=pst38", withSiret);
        Assert.Contains(await response.RowErrorsAsync(), e => e.Code == "csv.unknown-column");
    }
}
