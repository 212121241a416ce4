using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Replacing a file (<c>replaces=</c>): the recipient sees the new version with a link to the previous
/// one, the previous one is withdrawn and crypto-shredded in the same transaction, both logs record it;
/// an attacker cannot replace another organisation's dataset, one of another exchange or recipient, a
/// destroyed one, nor win twice with a race; a refused new file leaves the old one untouched.
/// </summary>
public sealed class ReplacementTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Adherents = "type=adherents&to=carsat-lr&purpose=sinistralite";

    private async Task<string> SendDocumentAsync(string title, string? replaces = null, string identity = "satm-agent", string to = "carsat-pdl")
    {
        using var response = await DocumentExchangeTests.PostDocumentAsync(gateway, identity,
            $"type=document&to={to}&purpose=documents-cpom&title={Uri.EscapeDataString(title)}" + (replaces is null ? string.Empty : "&replaces=" + replaces),
            TestPdf.Make(title));
        return await response.IdAsync();
    }

    private async Task<HttpResponseMessage> ReplaceDocumentAsync(string replaces, string identity = "satm-agent", string to = "carsat-pdl", byte[]? content = null) =>
        await DocumentExchangeTests.PostDocumentAsync(gateway, identity, $"type=document&to={to}&purpose=documents-cpom&title=Correction&replaces={replaces}",
            content ?? TestPdf.Make("Correction"));

    private async Task<DatasetEntity> RowAsync(string id)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.Datasets.AsNoTracking().SingleAsync(d => d.Id == id);
    }

    [Fact]
    public async Task TheNewVersion_LinksToThePrevious_WhichIsWithdrawnShreddedAndGone_BothLogsRecordIt()
    {
        var first = await SendDocumentAsync("Bilan 2025");
        var second = await SendDocumentAsync("Bilan 2025 (corrigé)", replaces: first);

        var info = await gateway.MetadataAsync("carsat-pdl-agent", second);
        Assert.Equal(first, info.GetProperty("replaces").GetString());
        var previous = await gateway.MetadataAsync("carsat-pdl-agent", first);
        Assert.Equal("withdrawn", previous.GetProperty("status").GetString());

        var row = await RowAsync(first);
        Assert.Null(row.PayloadWrappedKey);
        Assert.Null(row.SubjectsWrappedKey);
        Assert.False(File.Exists(Path.Combine(gateway.Home, "payloads", first + ".cpom")));
        using var carsat = gateway.ClientFor("carsat-pdl-agent");
        using var gone = await carsat.GetAsync($"api/v1/datasets/{first}/content?purpose=documents-cpom");
        Assert.Equal("dataset.purged", (await gone.ReadProblemAsync(HttpStatusCode.Gone)).Code());
        using var fresh = await carsat.GetAsync($"api/v1/datasets/{second}/content?purpose=documents-cpom");
        Assert.Equal(TestPdf.Make("Bilan 2025 (corrigé)"), await fresh.Content.ReadAsByteArrayAsync());

        foreach (var dpo in new[] { "satm-dpo", "carsat-pdl-dpo" })
        {
            var withdrawn = Assert.Single(await gateway.LogEntriesAsync(dpo, first), e => e.GetProperty("action").GetString() == "withdraw");
            Assert.Contains(second, withdrawn.GetRawText(), StringComparison.Ordinal);
            Assert.Single(await gateway.LogEntriesAsync(dpo, second), e => e.GetProperty("action").GetString() == "upload" && e.GetProperty("outcome").GetString() == "allowed");
        }
    }

    [Fact]
    public async Task ACsvDataset_IsReplacedTheSameWay()
    {
        var first = await (await gateway.PostCsvAsync("prevy-agent", Adherents, "siret\n10433218419605\n")).IdAsync();
        var second = await (await gateway.PostCsvAsync("prevy-agent", Adherents + "&replaces=" + first, "siret\n01338908538633\n")).IdAsync();
        Assert.Equal(first, (await gateway.MetadataAsync("carsat-lr-agent", second)).GetProperty("replaces").GetString());
        Assert.Equal(DatasetStatus.Withdrawn, (await RowAsync(first)).Status);
    }

    [Fact]
    public async Task AnotherOrganisation_CannotReplaceADataset_ItDidNotSend()
    {
        var victim = await SendDocumentAsync("Bilan du SATM");
        // The recipient itself, and a stranger: not found (the dataset's existence is not confirmed to them).
        using var byRecipient = await ReplaceDocumentAsync(victim, identity: "carsat-pdl-agent", to: "satm");
        Assert.Equal("dataset.replace-not-found", (await byRecipient.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
        using var byStranger = await ReplaceDocumentAsync(victim, identity: "pst38-agent", to: "carsat-ra");
        Assert.Equal("dataset.replace-not-found", (await byStranger.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
        Assert.Equal(DatasetStatus.Available, (await RowAsync(victim)).Status);
    }

    [Fact]
    public async Task ADatasetOfAnotherExchange_OrForAnotherRecipient_CannotBeReplaced()
    {
        var adherents = await (await gateway.PostCsvAsync("satm-agent", "type=adherents&to=carsat-pdl&purpose=sinistralite", "siret\n79402654223514\n")).IdAsync();
        using var otherExchange = await ReplaceDocumentAsync(adherents);
        Assert.Equal("dataset.replace-mismatch", (await otherExchange.ReadProblemAsync(HttpStatusCode.Conflict)).Code());

        var toCarsat = await SendDocumentAsync("Relevé de décision");
        using var otherRecipient = await ReplaceDocumentAsync(toCarsat, to: "dreets-pdl");
        Assert.Equal("dataset.replace-mismatch", (await otherRecipient.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
        Assert.Equal(DatasetStatus.Available, (await RowAsync(adherents)).Status);
        Assert.Equal(DatasetStatus.Available, (await RowAsync(toCarsat)).Status);
    }

    [Fact]
    public async Task AWithdrawnDataset_CannotBeReplaced()
    {
        var id = await SendDocumentAsync("Retiré");
        using var satm = gateway.ClientFor("satm-agent");
        Assert.Equal(HttpStatusCode.OK, (await satm.DeleteAsync($"api/v1/datasets/{id}")).StatusCode);
        using var response = await ReplaceDocumentAsync(id);
        Assert.Equal("dataset.replace-gone", (await response.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
    }

    [Fact]
    public async Task ADatasetIsReplacedOnce_TheNewVersionCanBeReplacedInTurn()
    {
        var first = await SendDocumentAsync("v1");
        var second = await SendDocumentAsync("v2", replaces: first);
        using var again = await ReplaceDocumentAsync(first);
        Assert.Equal("dataset.replace-gone", (await again.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
        var third = await SendDocumentAsync("v3", replaces: second);
        Assert.Equal(second, (await gateway.MetadataAsync("carsat-pdl-agent", third)).GetProperty("replaces").GetString());
        await using var db = await gateway.OpenDatabaseAsync();
        Assert.Equal(1, await db.Datasets.CountAsync(d => d.Replaces == first));
    }

    [Fact]
    public async Task TwoReplacementsOfTheSameDataset_AtOnce_OnlyOneWins_TheLosersFilesAreGone()
    {
        var original = await SendDocumentAsync("Course");
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => ReplaceDocumentAsync(original)));
        try
        {
            Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
            foreach (var lost in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            {
                Assert.Equal("dataset.replace-gone", (await lost.ReadProblemAsync(HttpStatusCode.Conflict)).Code());
            }
            await using var db = await gateway.OpenDatabaseAsync();
            var winner = await db.Datasets.AsNoTracking().SingleAsync(d => d.Replaces == original);
            // Only the winner's files are there: the losers' were deleted when their commit was refused.
            var files = Directory.EnumerateFiles(Path.Combine(gateway.Home, "payloads"), "*.cpom").Select(Path.GetFileNameWithoutExtension).ToHashSet();
            var ids = await db.Datasets.Select(d => d.Id).ToListAsync();
            Assert.Contains(winner.Id, files);
            Assert.All(files, f => Assert.Contains(f, ids));
        }
        finally
        {
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }
    }

    [Fact]
    public async Task ARefusedNewVersion_LeavesThePreviousOneUntouched()
    {
        var id = await SendDocumentAsync("À garder");
        var before = await RowAsync(id);
        var hostile = await File.ReadAllBytesAsync(Path.Combine(TestPaths.RepositoryRoot, "tests", "Corpus", "documents", "pdf-javascript.pdf"));
        using var response = await ReplaceDocumentAsync(id, content: hostile);
        Assert.Equal("document.active-content", (await response.ReadProblemAsync(HttpStatusCode.UnprocessableEntity)).Code());
        var after = await RowAsync(id);
        Assert.Equal(DatasetStatus.Available, after.Status);
        Assert.Equal(before.PayloadWrappedKey, after.PayloadWrappedKey);
        using var carsat = gateway.ClientFor("carsat-pdl-agent");
        using var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=documents-cpom");
        Assert.Equal(TestPdf.Make("À garder"), await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AMalformedReplacesParameter_IsRefused()
    {
        using var response = await ReplaceDocumentAsync("../etc/passwd");
        Assert.Equal("dataset.replace-not-found", (await response.ReadProblemAsync(HttpStatusCode.NotFound)).Code());
    }
}
