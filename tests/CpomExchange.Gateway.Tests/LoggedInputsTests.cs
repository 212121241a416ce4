using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Inputs that reach the access log (issue 14.5), through the real gateway: checked before anything
/// is logged, logged visibly and within their columns, and one entry the database refuses fails
/// alone in its group commit.
/// </summary>
public sealed class LoggedInputsTests(InspectableGatewayFixture gateway) : IClassFixture<InspectableGatewayFixture>
{
    private const string Upload = "api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite";
    private const string SomeDataset = "ds_0123456789abcdef0123456789abcdef";

    private static ByteArrayContent Csv(string text)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(text));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return content;
    }

    private async Task<List<JsonElement>> EntriesAsync(string dpo, string query = "")
    {
        using var client = gateway.ClientFor(dpo);
        var page = await client.GetFromJsonAsync<JsonElement>("api/v1/audit/entries?pageSize=1000" + query);
        return page.GetProperty("entries").EnumerateArray().ToList();
    }

    private async Task AssertLogIsCleanAndValidAsync(string organisation)
    {
        foreach (var entry in await EntriesAsync(organisation + "-dpo"))
        {
            foreach (var field in entry.EnumerateObject().Where(f => f.Value.ValueKind == JsonValueKind.String))
            {
                var value = field.Value.GetString()!;
                Assert.True(CsvIngestor.FindForbiddenCharacter(value) < 0, $"{field.Name} of entry {entry.GetProperty("seq")}: {field.Value.GetRawText()}");
            }
        }
        using var dpo = gateway.ClientFor(organisation + "-dpo");
        var verdict = await dpo.GetFromJsonAsync<JsonElement>("api/v1/audit/verify");
        Assert.True(verdict.GetProperty("valid").GetBoolean(), verdict.GetRawText());
    }

    [Fact]
    public async Task Inbox_WithAnUnknownPurpose_Is400_NotAnEmptyList()
    {
        using var carsat = gateway.ClientFor("carsat-ra-agent");
        Assert.Equal(HttpStatusCode.OK, (await carsat.GetAsync("api/v1/inbox?purpose=ciblage")).StatusCode);
        var unknown = await carsat.GetAsync("api/v1/inbox?purpose=marketing");
        Assert.Equal("request.unknown-purpose", (await unknown.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
    }

    public static TheoryData<string, string, string, string> BadParameters() => new()
    {
        // What each route says about a parameter that would otherwise reach the log.
        { "upload", Upload.Replace("type=adherents", "type=adh%E2%80%AEerents", StringComparison.Ordinal), "csv.bad-character", "prevy" },
        { "upload", Upload.Replace("purpose=sinistralite", "purpose=sinistralite%1B%5B31m", StringComparison.Ordinal), "csv.bad-character", "prevy" },
        { "upload", Upload.Replace("to=carsat-lr", "to=carsat-lr%00", StringComparison.Ordinal), "csv.bad-character", "prevy" },
        { "upload", Upload + "&replyTo=ds_%E2%81%A6x", "csv.bad-character", "prevy" },
        { "upload", Upload + "&replyTo=ds_" + new string('0', 200), "request.parameter-too-long", "prevy" },
        { "upload", Upload + "&replyTo=../../etc/passwd", "minimisation.reply-to-invalid", "prevy" },
        { "upload", Upload.Replace("purpose=sinistralite", "purpose=publicite", StringComparison.Ordinal), "request.unknown-purpose", "prevy" },
        { "upload", Upload.Replace("purpose=sinistralite", "purpose=" + new string('p', 65), StringComparison.Ordinal), "request.parameter-too-long", "prevy" },
        { "download", $"api/v1/datasets/{SomeDataset}/content?purpose=publicite", "request.unknown-purpose", "carsat-lr" },
        { "download", $"api/v1/datasets/{SomeDataset}/content?purpose=sinistralite%C2%85", "csv.bad-character", "carsat-lr" },
        { "acknowledge", $"api/v1/datasets/{SomeDataset}/ack?purpose=sinistr%E2%80%8Falite", "csv.bad-character", "carsat-lr" },
        { "metadata", $"api/v1/datasets/{SomeDataset}?purpose=publicite", "request.unknown-purpose", "carsat-lr" },
        { "inbox", "api/v1/inbox?purpose=sinistralite%E2%80%AE", "csv.bad-character", "carsat-lr" },
        { "inbox", "api/v1/inbox?purpose=" + new string('p', 65), "request.parameter-too-long", "carsat-lr" },
    };

    [Theory]
    [MemberData(nameof(BadParameters))]
    public async Task ParametersThatReachTheLog_AreCheckedFirst_AndTheLogStaysCleanAndValid(string route, string url, string code, string organisation)
    {
        using var client = gateway.ClientFor(organisation + "-agent");
        var response = route switch
        {
            "upload" => await client.PostAsync(url, Csv("siret;raison_sociale\n10433218419605;A\n")),
            "acknowledge" => await client.PostAsync(url, null),
            _ => await client.GetAsync(url),
        };
        Assert.Equal(code, (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
        await AssertLogIsCleanAndValidAsync(organisation);
    }

    [Fact]
    public async Task ARefusedValue_IsLoggedVisibly_AndCutToItsColumn_NeverInsideASurrogatePair()
    {
        // 65 characters whose 63rd and 64th are one emoji: the 64-character column cuts before it.
        var purpose = new string('a', 62) + "\U0001F600" + "b";
        using var prevy = gateway.ClientFor("prevy-agent");
        var cut = await prevy.PostAsync(Upload.Replace("purpose=sinistralite", "purpose=" + Uri.EscapeDataString(purpose), StringComparison.Ordinal), Csv("siret\n10433218419605\n"));
        Assert.Equal("request.parameter-too-long", (await cut.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
        // A bidirectional override sent as the object: logged as a visible escape, not as itself.
        var hidden = await prevy.PostAsync(Upload + "&object=" + Uri.EscapeDataString("dossier\u202Eexe.fdp"), Csv("siret\n10433218419605\n"));
        Assert.Equal("csv.bad-character", (await hidden.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());

        var denied = await EntriesAsync("prevy-dpo", "&action=upload&outcome=denied");
        Assert.Contains(denied, e => e.GetProperty("reason").GetString() == "request.parameter-too-long"
            && e.GetProperty("purpose").GetString() == new string('a', 62) + LogText.Ellipsis);
        Assert.Contains(denied, e => e.GetProperty("reason").GetString() == "csv.bad-character"
            && e.GetProperty("object").GetString() == "dossier\\u202Eexe.fdp");
        await AssertLogIsCleanAndValidAsync("prevy");
    }

    public static TheoryData<string, string?> Paging() => new()
    {
        { "page=2147483647&pageSize=1000", "request.bad-paging" },
        { "page=2147484&pageSize=1000", null },
        { "page=2147485&pageSize=1000", "request.bad-paging" },
        { "page=0", "request.bad-paging" },
        { "page=-3", "request.bad-paging" },
        { "pageSize=0", "request.bad-paging" },
        { "pageSize=1001", "request.bad-paging" },
        { "page=1&pageSize=1000", null },
    };

    [Theory]
    [MemberData(nameof(Paging))]
    public async Task AuditPaging_IsBounded_SoThatTheOffsetCannotOverflow(string query, string? code)
    {
        using var dpo = gateway.ClientFor("pst38-dpo");
        var response = await dpo.GetAsync("api/v1/audit/entries?" + query);
        if (code is not null)
        {
            Assert.Equal(code, (await response.ReadProblemAsync(HttpStatusCode.BadRequest)).Code());
            return;
        }
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(query.StartsWith("page=1&", StringComparison.Ordinal) ? 1 : 2147484, page.GetProperty("page").GetInt32());
    }

    [Fact]
    public async Task OnePoisonedEntry_FailsAlone_TheOtherEntriesOfItsGroupCommitCommit_AndTheirRequestsSucceed()
    {
        var batcher = gateway.Services.GetRequiredService<AccessLogBatcher>();
        var listings = new List<Task<HttpResponseMessage>>();
        Task blocker, poisoned;
        await using (await DatabaseLock.TakeAsync(gateway, "dreets-aura"))
        {
            // A first entry, taken by the batcher, waits for the database; the next ones queue up behind it and
            // are then committed together: five listings and an entry the database refuses (no agent: NOT NULL).
            blocker = batcher.AppendAsync(["dreets-aura"], Draft("dreets-aura-agent"), CancellationToken.None);
            await RequestLimitsTests.WaitUntilAsync(() => batcher.Queued == 0, "the batcher waiting on the database");
            foreach (var agent in new[] { "dreets-occitanie-agent", "deets-guadeloupe-agent", "dreets-occitanie-agent", "deets-guadeloupe-agent", "dreets-occitanie-agent" })
            {
                listings.Add(ListAsync(agent));
            }
            poisoned = batcher.AppendAsync(["dreets-aura"], Draft(null!), CancellationToken.None);
            await RequestLimitsTests.WaitUntilAsync(() => batcher.Queued == listings.Count + 1, "the listings and the poisoned entry queued", listings);
        }
        await blocker;
        await Assert.ThrowsAsync<DbUpdateException>(() => poisoned);
        foreach (var response in await Task.WhenAll(listings))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(3, (await EntriesAsync("dreets-occitanie-dpo", "&action=list")).Count);
        Assert.Equal(2, (await EntriesAsync("deets-guadeloupe-dpo", "&action=list")).Count);
        // The blocker is in its log, the poisoned entry is not, and the chain holds.
        var aura = await EntriesAsync("dreets-aura-dpo", "&action=list");
        Assert.Equal("dreets-aura-agent", Assert.Single(aura).GetProperty("agent").GetString());
        foreach (var organisation in new[] { "dreets-aura", "dreets-occitanie", "deets-guadeloupe" })
        {
            await AssertLogIsCleanAndValidAsync(organisation);
        }
    }

    private async Task<HttpResponseMessage> ListAsync(string agent)
    {
        using var client = gateway.ClientFor(agent);
        return await client.GetAsync("api/v1/inbox");
    }

    private static AccessLogDraft Draft(string agentId) => new(DateTimeOffset.UtcNow, agentId, "Essai", "dreets-aura", new string('0', 64), LogActions.List,
        null, null, 0, null, null, null, null, AccessLogEntry.Allowed, null, "127.0.0.1", "test-" + Guid.NewGuid().ToString("N"));
}
