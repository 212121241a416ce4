using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// <c>GET /api/v1/outbox</c> and the first download's date: the sender sees what it sent, who
/// acknowledged it and when it was first downloaded; no one else sees it there.
/// </summary>
public sealed class OutboxTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Outbox_ShowsTheSenderTheFirstDownloadAndTheAcknowledgement_AndOnlyToTheSender()
    {
        var id = await (await gateway.PostCsvAsync("prevy-agent", "type=adherents&to=carsat-lr&purpose=sinistralite", "siret\r\n10433218419605\r\n")).IdAsync();
        var sent = await OutboxEntryAsync("prevy-agent", id);
        Assert.Equal(JsonValueKind.Null, sent.GetProperty("firstDownloadedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, sent.GetProperty("acknowledgedAt").ValueKind);

        // A download refused for its purpose is no download.
        using var carsat = gateway.ClientFor("carsat-lr-agent");
        using (var refused = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=ciblage"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.Equal(JsonValueKind.Null, (await OutboxEntryAsync("prevy-agent", id)).GetProperty("firstDownloadedAt").ValueKind);

        await gateway.ContentAsync("carsat-lr-agent", id, "sinistralite");
        var first = (await OutboxEntryAsync("prevy-agent", id)).GetProperty("firstDownloadedAt").GetDateTime();
        // A second download keeps the first one's date.
        await gateway.ContentAsync("carsat-lr-agent", id, "sinistralite");
        Assert.Equal(first, (await OutboxEntryAsync("prevy-agent", id)).GetProperty("firstDownloadedAt").GetDateTime());
        using (var ack = await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=sinistralite", null))
        {
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }
        Assert.Equal("carsat-lr-agent", (await OutboxEntryAsync("prevy-agent", id)).GetProperty("acknowledgedBy").GetString());

        // The recipient's outbox, and another SPSTI's, do not list it.
        Assert.DoesNotContain(id, await OutboxIdsAsync("carsat-lr-agent"));
        Assert.DoesNotContain(id, await OutboxIdsAsync("pst38-agent"));
    }

    [Fact]
    public async Task Outbox_LeavesOutWhatTheCallersRolesMayNotSee_AndLogsTheListing()
    {
        var persons = Signalements.Persons(seed: 61, count: 1);
        var id = await (await gateway.PostCsvAsync("pst38-pdp", "type=signalements-pdp&to=carsat-ra&purpose=pdp", Signalements.File(persons))).IdAsync();
        Assert.Contains(id, await OutboxIdsAsync("pst38-pdp"));
        // An agent of the same SPSTI may not see the signalements: they are not listed to it; its listing is logged.
        var before = (await gateway.LogEntriesWhereAsync("pst38-dpo", "action=list&agent=pst38-agent")).Count;
        Assert.DoesNotContain(id, await OutboxIdsAsync("pst38-agent"));
        Assert.Equal(before + 1, (await gateway.LogEntriesWhereAsync("pst38-dpo", "action=list&agent=pst38-agent")).Count);
    }

    private async Task<List<string>> OutboxIdsAsync(string identity)
    {
        using var client = gateway.ClientFor(identity);
        var outbox = await client.GetFromJsonAsync<JsonElement>("api/v1/outbox");
        return outbox.GetProperty("datasets").EnumerateArray().Select(d => d.GetProperty("id").GetString()!).ToList();
    }

    private async Task<JsonElement> OutboxEntryAsync(string identity, string id)
    {
        using var client = gateway.ClientFor(identity);
        var outbox = await client.GetFromJsonAsync<JsonElement>("api/v1/outbox");
        return Assert.Single(outbox.GetProperty("datasets").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
    }
}
