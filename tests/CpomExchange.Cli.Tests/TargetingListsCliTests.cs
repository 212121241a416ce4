using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// Seed 004 (P.S.T.38 – Carsat Rhône-Alpes) through cpom, as the README's walkthrough tells it: the
/// companies of high sinistralité split to the SPSTI's adherents, the SPSTI's own targeted companies and
/// the comparison of the two lists, the caisse's suite to an alert line.
/// </summary>
public sealed class TargetingListsCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-lists-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    private async Task<string> RunOkAsync(string identity, params string[] args)
    {
        var result = await CliRunner.RunAsync(As(identity, args));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        return result.Out;
    }

    [Fact]
    public async Task Pst38AndCarsat_CompareTheirTargetedCompanies_AndTheCarsatAnswersAnAlertLine()
    {
        await RunOkAsync("pst38-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-ra", "--purpose", "ciblage");
        var forte = await RunOkAsync("carsat-ra-agent", "upload", Sample("entreprises-forte-sinistralite.csv"), "--type", "entreprises-forte-sinistralite", "--purpose", "ciblage", "--json");
        using (var split = JsonDocument.Parse(forte))
        {
            var share = Assert.Single(split.RootElement.GetProperty("distribution").EnumerateArray());
            Assert.Equal(("pst38", 2L), (share.GetProperty("to").GetString(), share.GetProperty("rows").GetInt64()));
            Assert.Equal(1, split.RootElement.GetProperty("unmatched").GetInt64());
        }
        await RunOkAsync("carsat-ra-agent", "upload", Sample("entreprises-ciblees.csv"), "--type", "entreprises-ciblees", "--purpose", "ciblage");
        await RunOkAsync("pst38-agent", "upload", Sample("cible-spsti.csv"), "--type", "cible-spsti", "--to", "carsat-ra", "--purpose", "ciblage");

        var compared = await RunOkAsync("pst38-agent", "ciblage", "comparer", "--contrat", "cpom-pst38-2025");
        Assert.Contains("Contrat cpom-pst38-2025 : caisse carsat-ra, SPSTI pst38.", compared, StringComparison.Ordinal);
        Assert.Contains("Ciblées par les deux : 1", compared, StringComparison.Ordinal);
        Assert.Contains("Ciblées par la caisse seule : 1", compared, StringComparison.Ordinal);
        Assert.Contains("Ciblées par le SPSTI seul : 1", compared, StringComparison.Ordinal);
        var lines = compared.ReplaceLineEndings("\n").Split('\n');
        Assert.Contains(lines, l => l.StartsWith("  92832764283508  SUPERMARCHÉ DES LACS", StringComparison.Ordinal) && l.EndsWith("RPS / RPS (ALERTE_RPS)", StringComparison.Ordinal));
        var json = await RunOkAsync("carsat-ra-agent", "ciblage", "comparer", "--contrat", "cpom-pst38-2025", "--json");
        using (var doc = JsonDocument.Parse(json))
        {
            Assert.Equal(["79402654223514"], doc.RootElement.GetProperty("caisseOnly").EnumerateArray().Select(c => c.GetProperty("siret").GetString()));
            Assert.Equal(["01338908538633"], doc.RootElement.GetProperty("spstiOnly").EnumerateArray().Select(c => c.GetProperty("siret").GetString()));
        }
        var refused = await CliRunner.RunAsync(As("dreets-aura-agent", "ciblage", "comparer", "--contrat", "cpom-pst38-2025"));
        Assert.Equal(ExitCodes.Refused, refused.Exit);
        Assert.Contains("policy.comparison-not-party", refused.Err, StringComparison.Ordinal);

        // The alert, its lines numbered for the caisse; the suite answers its first line.
        var alert = await RunOkAsync("pst38-agent", "upload", Sample("alertes-risque.csv"), "--type", "alertes-risque", "--to", "carsat-ra", "--purpose", "alerte-risque", "--json");
        string alertId;
        using (var doc = JsonDocument.Parse(alert))
        {
            alertId = doc.RootElement.GetProperty("id").GetString()!;
        }
        var alertFile = Path.Combine(_work, "alerte.csv");
        await RunOkAsync("carsat-ra-agent", "download", alertId, "--purpose", "alerte-risque", "-o", alertFile);
        Assert.StartsWith($"reference;siret;risque", (await File.ReadAllTextAsync(alertFile)).TrimStart('\uFEFF'), StringComparison.Ordinal);
        Assert.Contains($"\r\n{alertId}:1;92832764283508;RPS;", await File.ReadAllTextAsync(alertFile), StringComparison.Ordinal);
        var suite = Path.Combine(_work, "suite-alerte.csv");
        await File.WriteAllTextAsync(suite, (await File.ReadAllTextAsync(Sample("suite-alerte.csv"))).Replace("<id de l'alerte>", alertId, StringComparison.Ordinal));
        await RunOkAsync("carsat-ra-agent", "upload", suite, "--type", "suite-alerte", "--to", "pst38", "--purpose", "alerte-risque");
        // The same suite about another company than the alert line's is refused.
        var wrong = Path.Combine(_work, "suite-autre.csv");
        await File.WriteAllTextAsync(wrong, (await File.ReadAllTextAsync(suite)).Replace(";92832764283508;", ";79402654223514;", StringComparison.Ordinal));
        var mismatch = await CliRunner.RunAsync(As("carsat-ra-agent", "upload", wrong, "--type", "suite-alerte", "--to", "pst38", "--purpose", "alerte-risque"));
        Assert.Equal(ExitCodes.InvalidFile, mismatch.Exit);
        Assert.Contains("minimisation.alerte-siret-mismatch", mismatch.Err + mismatch.Out, StringComparison.Ordinal);
    }
}
