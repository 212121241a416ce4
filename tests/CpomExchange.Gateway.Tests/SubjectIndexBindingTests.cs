using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A dataset's subject index is bound to it (its own key in the dataset's row, the dataset's id and
/// kind in the associated data, its SHA-256 in the row): another dataset's index in its place is
/// detected, and what depends on it — a minimisation join, a DPO's subject lookup — fails closed.
/// </summary>
public sealed class SubjectIndexBindingTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private const string Header = "siret;annee;effectif;nb_at;nb_at_trajet;nb_mp;journees_it;nb_ip;nb_deces;indice_frequence;taux_gravite;code_risque;ctn\n";

    private static readonly Dictionary<string, string> Rows = new()
    {
        ["01338908538633"] = "01338908538633;2025;48;3;1;0;212;0;0;62,5;2,7;602MB;C\n",
        ["79402654223514"] = "79402654223514;2025;95;9;2;3;1480;1;0;94,7;8,9;853AA;H\n",
    };

    private async Task<HttpResponseMessage> AnswerAsync(string replyTo, string siret)
    {
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Header + Rows[siret]));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return await carsat.PostAsync($"api/v1/datasets?type=sinistralite&to=prevy&purpose=sinistralite&replyTo={replyTo}", content);
    }

    private async Task<HttpResponseMessage> LookupAsync(string siret)
    {
        using var dpo = gateway.ClientFor("prevy-dpo");
        return await dpo.PostAsJsonAsync("api/v1/audit/subjects", new { siret });
    }

    private void Swap(string a, string b)
    {
        var payloads = Path.Combine(gateway.Home, "payloads");
        File.Move(Path.Combine(payloads, a + ".subjects"), Path.Combine(payloads, "swap.tmp"));
        File.Move(Path.Combine(payloads, b + ".subjects"), Path.Combine(payloads, a + ".subjects"));
        File.Move(Path.Combine(payloads, "swap.tmp"), Path.Combine(payloads, b + ".subjects"));
    }

    private async Task<int> DatasetCountAsync()
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.Datasets.CountAsync();
    }

    [Fact]
    public async Task IndexFilesSwappedBetweenDatasets_AreDetected_AndReplyToAndSubjectLookupFailClosed()
    {
        var a = await CryptoShreddingTests.UploadAsync(gateway, "01338908538633");
        var b = await CryptoShreddingTests.UploadAsync(gateway, "79402654223514");
        var datasets = await DatasetCountAsync();

        Swap(a, b);
        // A's establishment (which B's index lacks) and B's (which B's index holds): neither is decided from the wrong set.
        foreach (var siret in Rows.Keys)
        {
            using var refused = await AnswerAsync(a, siret);
            Assert.Equal("dataset.subjects-corrupted", (await refused.ReadProblemAsync(HttpStatusCode.InternalServerError)).Code());
        }
        using (var lookup = await LookupAsync("01338908538633"))
        {
            Assert.Equal("dataset.subjects-corrupted", (await lookup.ReadProblemAsync(HttpStatusCode.InternalServerError)).Code());
        }
        Assert.Equal(datasets, await DatasetCountAsync());

        // Each index back in its place: the same requests work, and decide from the right set.
        Swap(a, b);
        using (var notInReply = await AnswerAsync(a, "79402654223514"))
        {
            var problem = await notInReply.ReadProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.Equal("minimisation.not-in-reply", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("code").GetString());
        }
        using var accepted = await AnswerAsync(a, "01338908538633");
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        var reply = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var found = await LookupAsync("01338908538633");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var concerning = (await found.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("datasets").EnumerateArray().Select(d => d.GetString()).Order();
        Assert.Equal([a, reply], concerning);
    }

    [Fact]
    public async Task IndexWhoseSha256DiffersFromItsRow_FailsClosed()
    {
        var id = await CryptoShreddingTests.UploadAsync(gateway, "10433218419605");
        string sha;
        await using (var db = await gateway.OpenDatabaseAsync())
        {
            sha = (await db.Datasets.SingleAsync(d => d.Id == id)).SubjectsSha256!;
            await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.SubjectsSha256, new string('0', 64)));
        }
        try
        {
            using var lookup = await LookupAsync("10433218419605");
            Assert.Equal("dataset.subjects-corrupted", (await lookup.ReadProblemAsync(HttpStatusCode.InternalServerError)).Code());
        }
        finally
        {
            await using var db = await gateway.OpenDatabaseAsync();
            await db.Datasets.Where(d => d.Id == id).ExecuteUpdateAsync(s => s.SetProperty(d => d.SubjectsSha256, sha));
        }
        using var found = await LookupAsync("10433218419605");
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
    }
}
