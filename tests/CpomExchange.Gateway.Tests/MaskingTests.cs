using System.Globalization;
using System.Net;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>The repository's policies, with SATM's contract setting its own masking threshold (8) above the catalogue's (5).</summary>
public sealed class MaskingFixture : GatewayFixture
{
    private readonly TestPolicyFolder _policies = new TestPolicyFolder()
        .Replace("contracts/cpom-satm.yaml", "\nexchanges:\n", "\nmasking: { threshold: 8 }\nexchanges:\n");

    protected override void Configure(WebApplicationBuilder builder) => _policies.Use(builder);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _policies.Dispose();
    }
}

/// <summary>
/// Statistical secrecy as a recipient sees it: generated <c>sinistralite</c> rows over the whole range
/// of small counts and establishment sizes, sent under the catalogue's threshold (PREVY) and under a
/// contract's own (SATM). The expectation is written here from the seeds' definitions (004 art. 2:
/// IF = AT en premier règlement per 1,000 employees; TG = IT days per 1,000 hours worked), not read
/// from the policy: the protected counts, and for the accidents at work what gives them back.
/// </summary>
public sealed class MaskingTests(MaskingFixture gateway) : IClassFixture<MaskingFixture>
{
    private const string Header = "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn";
    private const int NbAt = 3, Effectif = 2, Days = 6, Frequency = 9, Severity = 10;
    private static readonly int[] Protected = [3, 4, 5, 7, 8];
    private static readonly int[] RevealNbAt = [Frequency, Days, Severity];
    private const double HoursPerEmployee = 1607;

    private static readonly int[] Sizes = [1, 2, 3, 4, 5, 7, 9, 12, 20, 48, 95, 250];

    /// <summary>One row per (size, accident count), the other counts spread over 0 to 10; rates computed as the caisses do.</summary>
    private static List<string[]> Generate(IEnumerable<string> sirets)
    {
        var rows = new List<string[]>();
        using var siret = sirets.GetEnumerator();
        var i = 0;
        foreach (var size in Sizes)
        {
            for (var nbAt = 0; nbAt <= 10; nbAt++, i++)
            {
                siret.MoveNext();
                var days = nbAt == 0 ? (i % 3 == 0 ? 0 : 12) : nbAt * 37 + i % 19;
                var frequency = nbAt * 1000.0 / size;
                var severity = days * 1000.0 / (size * HoursPerEmployee);
                rows.Add(
                [
                    siret.Current, "2025", Text(size), Text(nbAt), Text(i % 11), Text(i * 3 % 11), Text(days), Text(Math.Min(nbAt, i * 7 % 11)), Text(i % 5 == 0 ? 1 : 0),
                    Decimal(frequency), Decimal(severity), "602MB", "C",
                ]);
            }
        }
        return rows;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Decimal(double value) => value.ToString("0.0", CultureInfo.InvariantCulture).Replace('.', ',');

    /// <summary>What the recipient must see: counts 1 to threshold − 1 marked, and with a small accident count, its rate, days and severity.</summary>
    private static (string[] Row, int Masked) Expected(string[] sent, int threshold, string marker)
    {
        var row = (string[])sent.Clone();
        var masked = 0;
        foreach (var i in Protected)
        {
            if (int.Parse(sent[i], CultureInfo.InvariantCulture) is >= 1 and var v && v < threshold)
            {
                row[i] = marker;
                masked++;
            }
        }
        if (row[NbAt] == marker)
        {
            foreach (var i in RevealNbAt)
            {
                row[i] = "secret";
                masked++;
            }
        }
        return (row, masked);
    }

    [Theory]
    [InlineData("prevy", "carsat-lr", 100_000_000, 5, "<5")]
    [InlineData("satm", "carsat-pdl", 200_000_000, 8, "<8")]
    public async Task GeneratedSinistralite_NoMaskedCountCanBeRecomputed_MaskedCellsExact_DownloadAsExpected(
        string spsti, string caisse, long firstSiren, int threshold, string marker)
    {
        var sent = Generate(TestSirets.From(firstSiren));
        var adherents = await (await gateway.PostCsvAsync(spsti + "-agent", $"type=adherents&to={caisse}&purpose=sinistralite",
            "siret\r\n" + string.Concat(sent.Select(r => r[0] + "\r\n")))).IdAsync();
        var id = await (await gateway.PostCsvAsync(caisse + "-agent", $"type=sinistralite&to={spsti}&purpose=sinistralite&replyTo={adherents}",
            Header + "\r\n" + string.Concat(sent.Select(r => string.Join(';', r) + "\r\n")))).IdAsync();

        var expected = sent.Select(r => Expected(r, threshold, marker)).ToList();
        var metadata = await gateway.MetadataAsync(spsti + "-agent", id);
        Assert.Equal(expected.Sum(e => e.Masked), metadata.GetProperty("maskedCells").GetInt64());
        var content = await gateway.ContentAsync(spsti + "-agent", id, "sinistralite");
        Assert.Equal("\uFEFF" + Header + "\r\n" + string.Concat(expected.Select(e => string.Join(';', e.Row) + "\r\n")), content);

        // The threshold is the contract's, to the unit: threshold − 1 is masked, the threshold is not.
        var received = content.TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(';')).ToList();
        Assert.Equal(sent.Count, received.Count);
        for (var i = 0; i < sent.Count; i++)
        {
            var count = int.Parse(sent[i][NbAt], CultureInfo.InvariantCulture);
            Assert.Equal(count is >= 1 && count < threshold ? marker : sent[i][NbAt], received[i][NbAt]);
        }
        var below = Enumerable.Range(0, sent.Count).Where(i => sent[i][NbAt] == Text(threshold - 1)).ToList();
        var at = Enumerable.Range(0, sent.Count).Where(i => sent[i][NbAt] == Text(threshold)).ToList();
        Assert.Equal((Sizes.Length, Sizes.Length), (below.Count, at.Count));
        Assert.Equal([marker], below.Select(i => received[i][NbAt]).Distinct());
        Assert.Equal([Text(threshold)], at.Select(i => received[i][NbAt]).Distinct());

        // What an attacker with a pocket calculator does with every row: give the accident count back
        // from the rate (IF × effectif / 1000) and the days from the severity (TG × effectif × hours / 1000).
        var recomputed = 0;
        foreach (var r in received)
        {
            var frequency = Number(r[Frequency]);
            var severity = Number(r[Severity]);
            var size = Number(r[Effectif])!.Value;
            if (r[NbAt] == marker)
            {
                Assert.True(frequency is null, $"IF en clair pour un nombre d'AT masqué : {string.Join(';', r)}");
                Assert.True(severity is null, $"TG en clair pour un nombre d'AT masqué : {string.Join(';', r)}");
                Assert.True(Number(r[Days]) is null, $"Journées d'IT en clair pour un nombre d'AT masqué : {string.Join(';', r)}");
                continue;
            }
            // The control: where the count is shown, the same arithmetic does give it back, so the
            // check above would catch a masked count left recomputable.
            Assert.Equal(Number(r[NbAt]), Math.Round(frequency!.Value * size / 1000));
            var tolerance = 0.05 * size * HoursPerEmployee / 1000 + 0.5;
            Assert.InRange(severity!.Value * size * HoursPerEmployee / 1000 - Number(r[Days])!.Value, -tolerance, tolerance);
            recomputed++;
        }
        Assert.Equal(Sizes.Length * (11 - (threshold - 1)), recomputed);
    }

    private static double? Number(string cell) =>
        double.TryParse(cell.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) ? value : null;

    [Fact]
    public async Task SampleRow_FromTheIssue_CannotBeRecomputed()
    {
        // Issue 13.1: "10433218419605;2025;48;<5;<5;0;212;0;0;62,5;2,7;602MB;C" gave nb_at back (62.5 × 48 / 1000 = 3).
        var adherents = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", "siret\r\n10433218419605\r\n")).IdAsync();
        var id = await (await gateway.PostCsvAsync("carsat-lr-agent", $"type=sinistralite&to=prevy&purpose=sinistralite&replyTo={adherents}",
            Header + "\r\n10433218419605;2025;48;3;1;0;212;0;0;62,5;2,7;602MB;C\r\n")).IdAsync();
        Assert.Equal("\uFEFF" + Header + "\r\n10433218419605;2025;48;<5;<5;0;secret;0;0;secret;secret;602MB;C\r\n",
            await gateway.ContentAsync("prevy-agent", id, "sinistralite"));
        Assert.Equal(5, (await gateway.MetadataAsync("carsat-lr-agent", id)).GetProperty("maskedCells").GetInt64());
    }

    [Fact]
    public async Task SatmThreshold_IsTheContracts_AndPrevysTheCatalogues()
    {
        // The same row, a count of 5: shown to PREVY (threshold 5), masked for SATM (its contract says 8).
        const string row = "2025;20;5;0;0;150;0;0;250,0;4,7;602MB;C\r\n";
        foreach (var (spsti, caisse, siret, shown) in new[] { ("prevy", "carsat-lr", "01338908538633", "5"), ("satm", "carsat-pdl", "79402654223514", "<8") })
        {
            var adherents = await (await gateway.PostCsvAsync(spsti + "-agent", $"type=adherents&to={caisse}&purpose=sinistralite", $"siret\r\n{siret}\r\n")).IdAsync();
            var response = await gateway.PostCsvAsync(caisse + "-agent", $"type=sinistralite&to={spsti}&purpose=sinistralite&replyTo={adherents}", Header + "\r\n" + siret + ";" + row);
            var content = await gateway.ContentAsync(spsti + "-agent", await response.IdAsync(), "sinistralite");
            Assert.Equal(shown, content.Split("\r\n")[1].Split(';')[NbAt]);
        }
    }
}
