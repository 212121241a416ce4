using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>Seed 001 (PREVY – CARSAT Languedoc-Roussillon) through cpom: adherents, the sinistralité answering them, receipt, withdrawal.</summary>
public sealed class ExchangeStoryCliTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-story-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    private static string Id(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Prevy_SendsAdherents_Carsat_AnswersWithSinistralite_AcknowledgesAndPrevyWithdraws()
    {
        var upload = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        var adherents = Id(upload.Out);

        // The caisse acknowledges receipt; the sender sees who did and when.
        var ack = await CliRunner.RunAsync(As("carsat-lr-agent", "ack", adherents, "--purpose", "sinistralite"));
        Assert.True(ack.Exit == ExitCodes.Ok, ack.Err);
        var status = await CliRunner.RunAsync(As("prevy-agent", "status", adherents));
        Assert.Contains("accusé de réception par carsat-lr-agent", status.Out, StringComparison.Ordinal);

        // The sinistralité answers that list, and only it.
        var answer = await CliRunner.RunAsync(As("carsat-lr-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "prevy",
            "--purpose", "sinistralite", "--reply-to", adherents, "--json"));
        Assert.True(answer.Exit == ExitCodes.Ok, answer.Err);
        var sinistralite = Id(answer.Out);
        var file = Path.Combine(_work, "sinistralite.csv");
        var download = await CliRunner.RunAsync(As("prevy-agent", "download", sinistralite, "--purpose", "sinistralite", "-o", file));
        Assert.True(download.Exit == ExitCodes.Ok, download.Err);
        Assert.Contains("<5", await File.ReadAllTextAsync(file), StringComparison.Ordinal);

        var withoutReply = await CliRunner.RunAsync(As("carsat-lr-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "prevy", "--purpose", "sinistralite"));
        // A missing argument, noticed by the gateway (400): wrong usage, as when cpom notices one.
        Assert.Equal(ExitCodes.Usage, withoutReply.Exit);
        Assert.Contains("minimisation.reply-to-required", withoutReply.Err, StringComparison.Ordinal);

        // The sender withdraws its list: destroyed at once, and the recipient sees it.
        var withdraw = await CliRunner.RunAsync(As("prevy-agent", "withdraw", adherents, "--yes"));
        Assert.True(withdraw.Exit == ExitCodes.Ok, withdraw.Err);
        var seen = await CliRunner.RunAsync(As("carsat-lr-agent", "status", adherents));
        Assert.Contains("retiré par l'expéditeur", seen.Out, StringComparison.Ordinal);
        var gone = await CliRunner.RunAsync(As("carsat-lr-agent", "download", adherents, "--purpose", "sinistralite", "-o", Path.Combine(_work, "x.csv")));
        Assert.Equal(ExitCodes.NotFound, gone.Exit);
        Assert.Contains("dataset.purged", gone.Err, StringComparison.Ordinal);
    }

    private async Task<string> UploadAsync(string identity, string file, params string[] options)
    {
        var result = await CliRunner.RunAsync(As(identity, ["upload", file, .. options, "--json"]));
        Assert.True(result.Exit == ExitCodes.Ok, $"{identity} {string.Join(' ', options)}: {result.Err}");
        return result.Out;
    }

    private async Task<string> DownloadTextAsync(string identity, string id, string purpose)
    {
        // A dataset may be downloaded more than once (before and after a change): a file of its own each time.
        var file = Path.Combine(_work, $"{id}-{Guid.NewGuid():N}.csv");
        var result = await CliRunner.RunAsync(As(identity, "download", id, "--purpose", purpose, "-o", file));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        return await File.ReadAllTextAsync(file);
    }

    [Fact]
    public async Task Seed000_Cist971_AdherentsThenCiblees_PdpWithTheServiceSocial_Indicators()
    {
        // 000 III: "à partir de la liste de ses entreprises adhérentes ... informer sur les entreprises ciblées".
        await UploadAsync("cist971-agent", Sample("adherents.csv"), "--type", "adherents", "--to", "cgss-guadeloupe", "--purpose", "ciblage");
        using (var split = JsonDocument.Parse(await UploadAsync("cgss-guadeloupe-agent", Sample("entreprises-ciblees.csv"), "--type", "entreprises-ciblees", "--purpose", "ciblage")))
        {
            var share = split.RootElement.GetProperty("distribution")[0];
            Assert.Equal(("cist971", 2L), (share.GetProperty("to").GetString(), share.GetProperty("rows").GetInt64()));
            var text = await DownloadTextAsync("cist971-agent", share.GetProperty("datasetId").GetString()!, "ciblage");
            Assert.DoesNotContain("16697848601840", text, StringComparison.Ordinal);
        }
        // Volet PDP: the cellule PDP and the service social, and the retour.
        var signalement = Id(await UploadAsync("cist971-pdp", Sample("signalements-pdp.csv"), "--type", "signalements-pdp", "--to", "cgss-guadeloupe", "--purpose", "pdp"));
        Assert.Contains("293116562420460", await DownloadTextAsync("cgss-guadeloupe-service-social", signalement, "pdp"), StringComparison.Ordinal);
        var retour = Path.Combine(_work, "retour.csv");
        await File.WriteAllTextAsync(retour, (await File.ReadAllTextAsync(Sample("retour-signalement.csv"))).Replace("<id du signalement>", signalement, StringComparison.Ordinal));
        await UploadAsync("cgss-guadeloupe-service-social", retour, "--type", "retour-signalement", "--to", "cist971", "--purpose", "pdp");
        // The worker withdraws consent (RGPD art. 7(3)): the cellule PDP removes them; no retour can answer them any more.
        var usage = await CliRunner.RunAsync(As("cist971-pdp", "withdraw-consent", signalement, "--purpose", "pdp"));
        Assert.Equal(ExitCodes.Usage, usage.Exit);
        var withdrawn = await CliRunner.RunAsync(As("cist971-pdp", "withdraw-consent", signalement, "--nir", "293116562420460", "--purpose", "pdp"));
        Assert.True(withdrawn.Exit == ExitCodes.Ok, withdrawn.Err);
        Assert.Contains($"Personne retirée du signalement {signalement} : 0 personne(s) restante(s).", withdrawn.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("293116562420460", await DownloadTextAsync("cgss-guadeloupe-service-social", signalement, "pdp"), StringComparison.Ordinal);
        var late = await CliRunner.RunAsync(As("cgss-guadeloupe-service-social", "upload", retour, "--type", "retour-signalement", "--to", "cist971", "--purpose", "pdp"));
        Assert.Equal(ExitCodes.InvalidFile, late.Exit);
        Assert.Contains("minimisation.unknown-person", late.Err, StringComparison.Ordinal);
        var again = await CliRunner.RunAsync(As("cist971-pdp", "withdraw-consent", signalement, "--reference", signalement + ":1", "--purpose", "pdp"));
        Assert.Equal(ExitCodes.NotFound, again.Exit);
        Assert.Contains("consent.person-not-found", again.Err, StringComparison.Ordinal);
        // The agents of the caisse never see the signalement.
        var refused = await CliRunner.RunAsync(As("cgss-guadeloupe-agent", "download", signalement, "--purpose", "pdp", "-o", Path.Combine(_work, "no.csv")));
        Assert.Equal(ExitCodes.Refused, refused.Exit);
        // Indicators to the DEETS, which receives nothing else.
        var draft = Path.Combine(_work, "indicateurs.csv");
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("cist971-agent", "indicators", "--contract", "cpom-cist971-2025", "--year", "2026", "-o", draft))).Exit);
        Assert.Contains(";PDP;", await File.ReadAllTextAsync(draft), StringComparison.Ordinal);
        var indicators = Id(await UploadAsync("cist971-agent", draft, "--type", "indicateurs", "--to", "deets-guadeloupe", "--purpose", "indicateurs"));
        var inbox = await CliRunner.RunAsync(As("deets-guadeloupe-agent", "inbox", "--json"));
        Assert.True(inbox.Exit == ExitCodes.Ok, inbox.Err);
        using var listed = JsonDocument.Parse(inbox.Out);
        var received = listed.RootElement.GetProperty("datasets").EnumerateArray()
            .Select(d => (Id: d.GetProperty("id").GetString()!, Type: d.GetProperty("type").GetString()!, From: d.GetProperty("from").GetString()!)).ToList();
        // The indicators are there, from CIST 97.1, and nothing else is listed to the DEETS.
        Assert.Contains((indicators, "indicateurs", "cist971"), received);
        Assert.All(received, d => Assert.Equal("indicateurs", d.Type));
    }

    [Fact]
    public async Task Seed002_Satm_SinistraliteAnsweringItsList_SignalementsBothWays_Indicators()
    {
        var adherents = Id(await UploadAsync("satm-agent", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-pdl", "--purpose", "sinistralite"));
        var sinistralite = Id(await UploadAsync("carsat-pdl-agent", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "satm", "--purpose", "sinistralite", "--reply-to", adherents));
        Assert.Contains("<5", await DownloadTextAsync("satm-agent", sinistralite, "sinistralite"), StringComparison.Ordinal);
        // Volet 1b: "signalements émis entre le SATM et le Service social", both ways.
        await UploadAsync("satm-pdp", Sample("signalements-pdp.csv"), "--type", "signalements-pdp", "--to", "carsat-pdl", "--purpose", "pdp");
        var fromCaisse = Id(await UploadAsync("carsat-pdl-service-social", Sample("signalements-pdp.csv"), "--type", "signalements-pdp", "--to", "satm", "--purpose", "pdp"));
        Assert.Contains("293116562420460", await DownloadTextAsync("satm-pdp", fromCaisse, "pdp"), StringComparison.Ordinal);
        // SATM's contract does not name the ciblées: refused.
        var refused = await CliRunner.RunAsync(As("carsat-pdl-agent", "upload", Sample("entreprises-ciblees.csv"), "--type", "entreprises-ciblees", "--to", "satm", "--purpose", "ciblage"));
        Assert.Equal(ExitCodes.Refused, refused.Exit);
        Assert.Contains("policy.exchange-not-in-contract", refused.Err, StringComparison.Ordinal);
        // The signalement counts are drawn from health data: the cellule PDP's draft has them, the agent's does not.
        var counts = Path.Combine(_work, "indicateurs-satm-pdp.csv");
        Assert.Equal(ExitCodes.Ok, (await CliRunner.RunAsync(As("satm-pdp", "indicators", "--contract", "cpom-satm-2025", "--year", "2026", "-o", counts))).Exit);
        Assert.Contains("2026;27/03/2025;26/03/2029;PDP;SIGNALEMENTS_EMIS;1;;\r\n2026;27/03/2025;26/03/2029;PDP;SIGNALEMENTS_RECUS;1;;", await File.ReadAllTextAsync(counts), StringComparison.Ordinal);
        var draft = Path.Combine(_work, "indicateurs-satm.csv");
        var drafted = await CliRunner.RunAsync(As("satm-agent", "indicators", "--contract", "cpom-satm-2025", "--year", "2026", "-o", draft));
        Assert.Equal(ExitCodes.Ok, drafted.Exit);
        Assert.Contains("Lignes des signalements omises", drafted.Out, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(draft);
        Assert.Contains("2026;27/03/2025;26/03/2029;PDP;ETABLISSEMENTS_FORMES;0;0;", text, StringComparison.Ordinal);
        Assert.DoesNotContain("SIGNALEMENTS", text, StringComparison.Ordinal);
        await UploadAsync("satm-agent", draft, "--type", "indicateurs", "--to", "dreets-pdl", "--purpose", "indicateurs");
    }

    [Fact]
    public async Task Seed004_Pst38_CibleesWithProgrammeAndPreventeur_SuiviInReturn_Alert_Pdp()
    {
        await UploadAsync("pst38-agent", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-ra", "--purpose", "ciblage");
        using (var split = JsonDocument.Parse(await UploadAsync("carsat-ra-agent", Sample("entreprises-ciblees.csv"), "--type", "entreprises-ciblees", "--purpose", "ciblage")))
        {
            var text = await DownloadTextAsync("pst38-agent", split.RootElement.GetProperty("distribution")[0].GetProperty("datasetId").GetString()!, "ciblage");
            Assert.Contains("TMS_PROS;Claire Morel;c.morel@carsat.example", text, StringComparison.Ordinal);
        }
        await UploadAsync("pst38-agent", Sample("suivi-entreprises.csv"), "--type", "suivi-entreprises", "--to", "carsat-ra", "--purpose", "ciblage");
        await UploadAsync("pst38-agent", Sample("alertes-risque.csv"), "--type", "alertes-risque", "--to", "carsat-ra", "--purpose", "alerte-risque");
        await UploadAsync("pst38-pdp", Sample("signalements-pdp.csv"), "--type", "signalements-pdp", "--to", "carsat-ra", "--purpose", "pdp");
        // An alert is not a sinistralité: PST38's contract does not name that exchange.
        var refused = await CliRunner.RunAsync(As("carsat-ra-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "pst38", "--purpose", "sinistralite"));
        Assert.Equal(ExitCodes.Refused, refused.Exit);
        var inbox = await CliRunner.RunAsync(As("carsat-ra-agent", "inbox", "--json"));
        using var listed = JsonDocument.Parse(inbox.Out);
        var types = listed.RootElement.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "adherents", "suivi-entreprises", "alertes-risque" }, types);
        Assert.DoesNotContain("signalements-pdp", types); // the caisse's agents do not list the service social's data
    }
}
