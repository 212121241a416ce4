using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Purpose on every path (issue 14.6): a dataset is acknowledged for the purpose it was sent for, as it
/// is downloaded. PREVY's contract (seed 001) opens the adherents list for two purposes, sinistralité
/// (art. 6) and ciblage (art. 7): the policy allows both, the dataset's own purpose decides.
/// </summary>
public sealed class AcknowledgePurposeTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task Acknowledging_ForAnotherPurposeThanTheDatasetWasSentFor_IsRefusedAndLogged_LikeDownloading()
    {
        using var prevy = gateway.ClientFor("prevy-agent");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("siret;raison_sociale\n10433218419605;A\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var upload = await prevy.PostAsync("api/v1/datasets?type=adherents&to=carsat-lr&purpose=sinistralite", content);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var id = (await upload.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        using var carsat = gateway.ClientFor("carsat-lr-agent");
        // The contract allows ciblage for this exchange: the policy says yes, the dataset's purpose says no.
        var download = await carsat.GetAsync($"api/v1/datasets/{id}/content?purpose=ciblage");
        Assert.Equal("policy.purpose-not-allowed", (await download.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());
        var ack = await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=ciblage", null);
        Assert.Equal("policy.purpose-not-allowed", (await ack.ReadProblemAsync(HttpStatusCode.Forbidden)).Code());

        // Nothing acknowledged; the refusal is in both controllers' logs.
        var metadata = await carsat.GetFromJsonAsync<JsonElement>($"api/v1/datasets/{id}");
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("acknowledgedAt").ValueKind);
        foreach (var dpo in new[] { "carsat-lr-dpo", "prevy-dpo" })
        {
            using var client = gateway.ClientFor(dpo);
            var entries = (await client.GetFromJsonAsync<JsonElement>($"api/v1/audit/entries?dataset={id}&action=acknowledge")).GetProperty("entries");
            var refusal = Assert.Single(entries.EnumerateArray());
            Assert.Equal("denied", refusal.GetProperty("outcome").GetString());
            Assert.Equal("policy.purpose-not-allowed", refusal.GetProperty("reason").GetString());
            Assert.Equal("ciblage", refusal.GetProperty("purpose").GetString());
        }

        // For the purpose it was sent for, it is acknowledged.
        var acknowledged = await carsat.PostAsync($"api/v1/datasets/{id}/ack?purpose=sinistralite", null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.Equal("carsat-lr-agent", (await acknowledged.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("acknowledgedBy").GetString());
    }
}
