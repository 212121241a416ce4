using System.Globalization;
using System.Text.Json;
using CpomExchange.Cli.Text;
using CpomExchange.Infrastructure.Pki;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Cli.Tests;

/// <summary>
/// What a person reads (issue 16.3, 16.5, 16.8, 16.9): dates as 30/07/2025, times in the legal zone
/// (Europe/Paris), numbers as 1 234, tables aligned whatever the width of a value, the log's actions
/// and outcomes in French, no pseudonym shown by default, the masking explained, and where the
/// development identities are when cpom does not find them.
/// </summary>
public sealed class CliFormatTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>, IDisposable
{
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");
    private readonly string _work = Directory.CreateTempSubdirectory("cpom-cli-format-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private string[] As(string identity, params string[] args) =>
        [.. args, "--as", identity, "--home", gateway.Home, "--gateway", gateway.BaseAddress.ToString()];

    private static string Sample(string name) => Path.Combine(GatewayFixture.SamplesDirectory, name);

    private static string ParisTime(DateTime utc) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Paris).ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Each column of <paramref name="lines"/> (a header, then rows) starts where its header starts.</summary>
    private static void AssertAligned(IReadOnlyList<string> lines, params string[] leftAligned)
    {
        var header = lines[0];
        Assert.True(lines.Count > 1, "no row under " + header);
        foreach (var column in leftAligned)
        {
            var start = header.IndexOf("  " + column, StringComparison.Ordinal) + 2;
            Assert.True(start > 1, $"{column} not in {header}");
            foreach (var row in lines.Skip(1))
            {
                Assert.True(row.Length > start && row[start - 1] == ' ' && row[start - 2] == ' ' && row[start] != ' ', $"« {column} » misaligned:\n{header}\n{row}");
            }
        }
    }

    private static List<string> TableAfter(string output, string headerStart) =>
        [.. output.Split('\n').SkipWhile(l => !l.TrimStart().StartsWith(headerStart, StringComparison.Ordinal)).TakeWhile(l => l.Length > 0).Select(l => l.TrimEnd('\r'))];

    [Fact]
    public void Numbers_AreGroupedByThousands_WithASpace()
    {
        Assert.Equal("0", Formats.Number(0));
        Assert.Equal("999", Formats.Number(999));
        Assert.Equal("1 234", Formats.Number(1234));
        Assert.Equal("5 000 000", Formats.Number(5_000_000));
    }

    [Fact]
    public void ATable_IsAsWideAsItsWidestCell_WithNumbersOnTheRight()
    {
        var table = new Table("ID", "NB", "NOM").AlignRight(1);
        table.Add("a", "1", "court");
        table.Add("un-identifiant-bien-plus-long-que-prevu", "1 234", "é");
        using var text = new StringWriter();
        table.WriteTo(text);
        Assert.Equal(
            "ID                                          NB  NOM\n"
            + "a                                            1  court\n"
            + "un-identifiant-bien-plus-long-que-prevu  1 234  é\n",
            text.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task WhoAmI_GivesTheContractsDatesAsPeopleWriteThem()
    {
        var result = await CliRunner.RunAsync(As("pst38-agent", "whoami"));
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.Contains("Contrat cpom-pst38-2025, du 30/07/2025 au 29/07/2030", result.Out, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[0-9]{4}-[0-9]{2}-[0-9]{2}", result.Out);
        AssertAligned(TableAfter(result.Out, "ÉCHANGE"), "AVEC", "VOUS POUVEZ", "FINALITÉS");
    }

    [Fact]
    public async Task Inbox_GivesTheTimeInParis_InAlignedColumns()
    {
        var upload = await CliRunner.RunAsync(As("cist971-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "cgss-guadeloupe", "--purpose", "ciblage", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var created = JsonDocument.Parse(upload.Out);
        var id = created.RootElement.GetProperty("id").GetString()!;
        var at = created.RootElement.GetProperty("createdAt").GetDateTime();

        var inbox = await CliRunner.RunAsync(As("cgss-guadeloupe-agent", "inbox"));
        Assert.True(inbox.Exit == ExitCodes.Ok, inbox.Err);
        var row = Assert.Single(inbox.Out.Split('\n'), l => l.StartsWith(id, StringComparison.Ordinal));
        Assert.Contains($"  {ParisTime(at)}  disponible", row, StringComparison.Ordinal);
        AssertAligned(TableAfter(inbox.Out, "IDENTIFIANT"), "TYPE", "DE", "FINALITÉ", "DÉPOSÉ LE", "ÉTAT");
    }

    [Fact]
    public async Task AdminAgentList_StaysAligned_WithAnIdentifierLongerThanAnyColumnOfOld()
    {
        const string longId = "carsat-ra-agent-du-service-prevention-des-risques-pro";
        using var certificate = DevPki.IssueClientCertificate(gateway.Ca, longId, "Carsat Rhône-Alpes", "999000110", DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(30));
        var pem = Path.Combine(_work, "long.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
        var add = await CliRunner.RunAsync(As("admin", "admin", "agent", "add", "--id", longId, "--cert", pem, "--org", "carsat-ra", "--roles", "agent", "--name", "Agent au long identifiant"));
        Assert.True(add.Exit == ExitCodes.Ok, add.Err);

        var list = await CliRunner.RunAsync(As("admin", "admin", "agent", "list", "--org", "carsat-ra"));
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        var table = TableAfter(list.Out, "IDENTIFIANT");
        Assert.Contains(table, l => l.StartsWith(longId + "  carsat-ra", StringComparison.Ordinal));
        AssertAligned(table, "ORGANISATION", "RÔLES", "ÉTAT", "CERTIFICAT", "EXPIRE LE");
        Assert.Contains(table, l => l.EndsWith(ParisTime(certificate.NotAfter.ToUniversalTime())[..10], StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuditListAndSubject_SpeakFrench_InParisTime_WithoutThePseudonym()
    {
        var upload = await CliRunner.RunAsync(As("satm-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-pdl", "--purpose", "sinistralite", "--json"));
        Assert.True(upload.Exit == ExitCodes.Ok, upload.Err);
        using var created = JsonDocument.Parse(upload.Out);
        var id = created.RootElement.GetProperty("id").GetString()!;

        var list = await CliRunner.RunAsync(As("satm-dpo", "audit", "list", "--action", "dépôt"));
        Assert.True(list.Exit == ExitCodes.Ok, list.Err);
        var table = TableAfter(list.Out, "N°");
        Assert.StartsWith("N°  HEURE (Europe/Paris)", table[0].TrimStart(), StringComparison.Ordinal);
        Assert.Contains(table.Skip(1), l => System.Text.RegularExpressions.Regex.IsMatch(l, "  satm-agent +dépôt +adherents +sinistralite +autorisé$"));
        Assert.DoesNotContain(table, l => l.Contains("upload", StringComparison.Ordinal) || l.Contains("allowed", StringComparison.Ordinal));
        AssertAligned(table, "AGENT", "ACTION", "ÉCHANGE", "FINALITÉ", "RÉSULTAT");

        var subject = await CliRunner.RunAsync(As("satm-dpo", "audit", "subject", "--siret", "104 332 184 19605"));
        Assert.True(subject.Exit == ExitCodes.Ok, subject.Err);
        Assert.Contains("concerne(nt) cet établissement", subject.Out, StringComparison.Ordinal);
        var row = Assert.Single(subject.Out.Split('\n'), l => l.Contains(id, StringComparison.Ordinal) && l.Contains("dépôt", StringComparison.Ordinal));
        Assert.EndsWith("autorisé", row.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[0-9]{4}-[0-9]{2}-[0-9]{2}T", subject.Out);
        var json = await CliRunner.RunAsync(As("satm-dpo", "audit", "subject", "--siret", "104 332 184 19605", "--json"));
        using var answer = JsonDocument.Parse(json.Out);
        var pseudonym = answer.RootElement.GetProperty("pseudonym").GetString()!;
        Assert.DoesNotContain(pseudonym, subject.Out, StringComparison.Ordinal);
        var shown = await CliRunner.RunAsync(As("satm-dpo", "audit", "subject", "--siret", "104 332 184 19605", "--show-pseudonym"));
        Assert.Contains("Pseudonyme : " + pseudonym, shown.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaskedCells_AreExplained_ToTheSenderAndTheRecipient()
    {
        var adherents = await CliRunner.RunAsync(As("prevy-agent", "upload", Sample("adherents.csv"), "--type", "adherents", "--to", "carsat-lr", "--purpose", "sinistralite", "--json"));
        using var list = JsonDocument.Parse(adherents.Out);
        var sent = await CliRunner.RunAsync(As("carsat-lr-agent", "upload", Sample("sinistralite.csv"), "--type", "sinistralite", "--to", "prevy",
            "--purpose", "sinistralite", "--reply-to", list.RootElement.GetProperty("id").GetString()!));
        Assert.True(sent.Exit == ExitCodes.Ok, sent.Err);
        const string why = "Petits effectifs : secret statistique, une si petite valeur dans un petit établissement pourrait désigner une personne.";
        Assert.Matches("masquage    : [0-9]+ cellule\\(s\\) masquée\\(s\\) : les nombres de 1 à 4, et les cellules qui permettraient de les recalculer, sont remplacés par « <5 »", sent.Out);
        Assert.Contains(why, sent.Out, StringComparison.Ordinal);

        var id = sent.Out.Split('\n').Single(l => l.StartsWith("Jeu de données : ", StringComparison.Ordinal))["Jeu de données : ".Length..].Trim();
        var download = await CliRunner.RunAsync(As("prevy-agent", "download", id, "--purpose", "sinistralite", "-o", Path.Combine(_work, "s.csv")));
        Assert.True(download.Exit == ExitCodes.Ok, download.Err);
        Assert.Contains("« <5 »", download.Out, StringComparison.Ordinal);
        Assert.Contains(why, download.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADevelopmentIdentityNotFound_SaysWhereToPointCpom()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_work, "ailleurs")).FullName;
        var result = await CliRunner.RunAsync("inbox", "--as", "prevy-agent", "--home", empty, "--gateway", gateway.BaseAddress.ToString());
        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains($"Identité de développement « prevy-agent » introuvable : pas de {Path.Combine(empty, "dev", "prevy-agent.pem")} (dossier d'état pris dans --home)", result.Err, StringComparison.Ordinal);
        Assert.Contains("$CPOM_HOME, sinon .cpom/ du dossier d'où elle a été lancée", result.Err, StringComparison.Ordinal);
        Assert.Contains("--home /chemin/du/depot/.cpom", result.Err, StringComparison.Ordinal);
        Assert.Contains("export CPOM_HOME=", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AValidFileOfThousandsOfRows_IsCountedAsPeopleWriteIt()
    {
        var file = Path.Combine(_work, "adherents-1234.csv");
        await File.WriteAllLinesAsync(file, TestSirets.From().Take(1234).Select(s => s + ";Établissement").Prepend("siret;raison_sociale"));
        var result = await CliRunner.RunAsync("validate", file, "--type", "adherents");
        Assert.True(result.Exit == ExitCodes.Ok, result.Err);
        Assert.StartsWith("Fichier valide : 1 234 ligne(s) de type « adherents »", result.Out, StringComparison.Ordinal);
    }
}
