using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// The README walkthrough's P.S.T.38 steps (seed 004), command for command, up to the annual table:
/// the table has the figures the sample files give, not zeros.
/// </summary>
public sealed class WalkthroughIndicatorsCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-walkthrough-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private async Task<(int Exit, string Out, string Err)> CpomAsync(string identity, params string[] args)
    {
        var result = await CliRunner.RunAsync([.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()]);
        Assert.True(result.Exit == ExitCodes.Ok, $"cpom {string.Join(' ', args)} --as {identity}: {result.Err}");
        return result;
    }

    /// <summary>The rows of tests/Samples/suivi-entreprises.csv.</summary>
    private const int SuiviRows = 1;

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    [Fact]
    public async Task Pst38_AnnualTable_OfTheWalkthrough_HasTheSamplesFigures()
    {
        await CpomAsync("pst38-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-ra", "--purpose", "ciblage");
        await CpomAsync("carsat-ra-agent", "upload", Sample("entreprises-ciblees.csv"), "--type", "entreprises-ciblees", "--purpose", "ciblage");
        await CpomAsync("pst38-agent", "upload", Sample("suivi-entreprises.csv"), "--type", "suivi-entreprises", "--to", "carsat-ra", "--purpose", "ciblage");
        await CpomAsync("pst38-agent", "upload", Sample("alertes-risque.csv"), "--type", "alertes-risque", "--to", "carsat-ra", "--purpose", "alerte-risque");
        await CpomAsync("pst38-agent", "upload", Sample("actions-entreprises.csv"), "--type", "actions-entreprises", "--to", "carsat-ra", "--purpose", "information-actions");
        var signalement = await CpomAsync("pst38-pdp", "upload", Sample("signalements-pdp.csv"), "--type", "signalements-pdp", "--to", "carsat-ra", "--purpose", "pdp", "--json");
        using (var doc = JsonDocument.Parse(signalement.Out))
        {
            var retour = Path.Combine(_work, "retour.csv");
            await File.WriteAllTextAsync(retour, (await File.ReadAllTextAsync(Sample("retour-signalement.csv")))
                .Replace("<id du signalement>", doc.RootElement.GetProperty("id").GetString(), StringComparison.Ordinal));
            await CpomAsync("carsat-ra-service-social", "upload", retour, "--type", "retour-signalement", "--to", "pst38", "--purpose", "pdp");
        }

        var table = Path.Combine(_work, "indicateurs-2026.csv");
        var drafted = await CpomAsync("pst38-agent", "indicators", "--contract", "cpom-pst38-2025", "--year", "2026", "-o", table);
        var tableLines = (await File.ReadAllTextAsync(table)).TrimStart('\uFEFF').Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        // 79402654223514 trained on PDP and 92832764283508 visited on RPS: both targeted by the Carsat.
        Assert.Equal(
        [
            "annee;date_signature;date_fin;theme;indicateur;nombre;dont_suivis_caisse;commentaire",
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_FORMES;1;1;",
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_ACCOMPAGNES;0;0;",
            "2026;30/07/2025;29/07/2030;PDP;ETABLISSEMENTS_COMMUNICATION;0;0;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_FORMES;0;0;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_ACCOMPAGNES;1;1;",
            "2026;30/07/2025;29/07/2030;RPS;ETABLISSEMENTS_COMMUNICATION;0;0;",
        ], tableLines.Take(7));
        // Then the contract's own indicators (cpom-pst38.yaml) but the one counted from health data.
        Assert.Equal(7 + 25, tableLines.Length);
        Assert.Contains("2026;30/07/2025;29/07/2030;PDP;VISITES_PRE_REPRISE;;;", tableLines);       // typed: P.S.T.38 fills it
        Assert.Contains("2026;30/07/2025;29/07/2030;RPS;ALERTES_TRANSMISES;1;;", tableLines);        // the sample's one alert
        Assert.Contains($"2026;30/07/2025;29/07/2030;RPS;SUIVIS_ETABLISSEMENTS_CIBLES;{SuiviRows};;", tableLines);
        Assert.Contains("2 action(s) de l'année sur un thème hors des volets du contrat : non comptée(s).", drafted.Out, StringComparison.Ordinal);
        Assert.Contains("Lignes des signalements omises", drafted.Out, StringComparison.Ordinal);

        var counts = Path.Combine(_work, "signalements-2026.csv");
        var pdpDraft = await CpomAsync("pst38-pdp", "indicators", "--contract", "cpom-pst38-2025", "--year", "2026", "-o", counts);
        // Only an agent sends the table: the cellule PDP is told to hand its figures over, not to upload.
        Assert.Contains("remettez ces chiffres à l'agent", pdpDraft.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("cpom upload", pdpDraft.Out, StringComparison.Ordinal);
        Assert.Contains("cpom upload indicateurs-2026.csv --type indicateurs", drafted.Out, StringComparison.Ordinal);
        Assert.EndsWith("2026;30/07/2025;29/07/2030;PDP;SIGNALEMENTS_EMIS;1;;\r\n2026;30/07/2025;29/07/2030;PDP;SIGNALEMENTS_RECUS;0;;\r\n"
            + "2026;30/07/2025;29/07/2030;PDP;RETOURS_SERVICE_SOCIAL;1;;\r\n", await File.ReadAllTextAsync(counts), StringComparison.Ordinal);

        await CpomAsync("pst38-agent", "upload", table, "--type", "indicateurs", "--to", "dreets-aura", "--purpose", "indicateurs");
        var inbox = await CpomAsync("dreets-aura-agent", "inbox", "--json");
        using var listed = JsonDocument.Parse(inbox.Out);
        var received = Assert.Single(listed.RootElement.GetProperty("datasets").EnumerateArray());
        Assert.Equal(("indicateurs", 31L), (received.GetProperty("type").GetString(), received.GetProperty("rows").GetInt64()));
    }
}
