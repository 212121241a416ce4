using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CpomExchange.Tests.Shared;
using Microsoft.AspNetCore.Builder;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// A gateway whose PREVY contract opens the adherents list for two purposes (sinistralité and
/// ciblage), so that the policy alone cannot tell them apart: only the purpose a dataset was sent for can.
/// </summary>
public sealed class TwoPurposesFixture : GatewayFixture
{
    private readonly string _policies = Directory.CreateTempSubdirectory("cpom-policies-").FullName;

    protected override void Configure(WebApplicationBuilder builder)
    {
        foreach (var file in Directory.EnumerateFiles(PoliciesDirectory, "*.yaml", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_policies, Path.GetRelativePath(PoliciesDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var prevy = Path.Combine(_policies, "contracts", "cpom-prevy.yaml");
        var text = File.ReadAllText(prevy);
        const string OnePurpose = "- { type: adherents, purposes: [sinistralite] }";
        Assert.Contains(OnePurpose, text, StringComparison.Ordinal);
        File.WriteAllText(prevy, text.Replace(OnePurpose, "- { type: adherents, purposes: [sinistralite, ciblage] }", StringComparison.Ordinal));
        builder.Configuration["Cpom:Policies"] = _policies;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_policies, recursive: true);
    }
}

/// <summary>Purpose on every path (issue 14.6): a dataset is acknowledged for the purpose it was sent for, as it is downloaded.</summary>
public sealed class AcknowledgePurposeTests(TwoPurposesFixture gateway) : IClassFixture<TwoPurposesFixture>
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
