using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// The DPO's verification over the API: in full unless the DPO asks for the incremental one
/// (<c>incremental=true</c>), which reads only the entries after the last signed checkpoint this gateway
/// process verified; the answer says which was done and from which checkpoint, and a rewrite after that
/// checkpoint is caught at its entry.
/// </summary>
public sealed class IncrementalAuditVerifyTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task ListInboxAsync(string agent, int times)
    {
        using var client = gateway.ClientFor(agent);
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/inbox")).StatusCode);
        }
    }

    private async Task<JsonElement> VerifyAsync(string dpo, string query = "")
    {
        using var client = gateway.ClientFor(dpo);
        using var response = await client.GetAsync("api/v1/audit/verify" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<long> SizeAsync(string controller)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return (await new AccessLogReader(db, gateway.Services.GetRequiredService<CpomExchange.Infrastructure.Keys.IKeyProvider>()).HeadAsync(controller))!.Size;
    }

    [Fact]
    public async Task Incremental_ReadsOnlyTheEntriesAfterTheCheckpointVerifiedBefore_SaysSo_AndCatchesARewriteThereAtItsEntry()
    {
        const string Controller = "dreets-occitanie";
        const string Dpo = "dreets-occitanie-dpo";
        await ListInboxAsync("dreets-occitanie-agent", 6);

        // The default is the full verification, what a DPO signs off: every entry read.
        var size = await SizeAsync(Controller);
        var full = await VerifyAsync(Dpo);
        Assert.True(full.GetProperty("valid").GetBoolean(), full.GetProperty("summary").GetString());
        Assert.Equal("full", full.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, full.GetProperty("fromTreeSize").ValueKind);
        Assert.StartsWith("vérification intégrale", full.GetProperty("method").GetString(), StringComparison.Ordinal);
        Assert.Equal(size, full.GetProperty("entriesChecked").GetInt64());
        var checkpoint = full.GetProperty("latestCheckpoint").GetProperty("treeSize").GetInt64();
        Assert.InRange(checkpoint, 4, size);

        // Asked for, the incremental one starts at that checkpoint and reads only what follows it.
        await ListInboxAsync("dreets-occitanie-agent", 8);
        size = await SizeAsync(Controller);
        var incremental = await VerifyAsync(Dpo, "?incremental=true");
        Assert.True(incremental.GetProperty("valid").GetBoolean(), incremental.GetProperty("summary").GetString());
        Assert.Equal("incremental", incremental.GetProperty("mode").GetString());
        Assert.Equal(checkpoint, incremental.GetProperty("fromTreeSize").GetInt64());
        Assert.Equal(size - checkpoint, incremental.GetProperty("entriesChecked").GetInt64());
        Assert.StartsWith("vérification incrémentale", incremental.GetProperty("method").GetString(), StringComparison.Ordinal);
        var next = incremental.GetProperty("latestCheckpoint").GetProperty("treeSize").GetInt64();
        Assert.True(next > checkpoint, $"the second verification checked a later checkpoint than {checkpoint}: {next}");

        // Whoever can write to the database rewrites an entry after that checkpoint: caught there, at its entry.
        await ListInboxAsync("dreets-occitanie-agent", 3);
        var target = next + 1;
        Assert.Equal(1, await LogTampering.RewriteAsync(gateway,
            "UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = @s",
            new Dictionary<string, object> { ["c"] = Controller, ["s"] = target }));
        var caught = await VerifyAsync(Dpo, "?incremental=true");
        Assert.False(caught.GetProperty("valid").GetBoolean());
        Assert.Equal(target, caught.GetProperty("firstBadSeq").GetInt64());
        Assert.Equal("incremental", caught.GetProperty("mode").GetString());
        Assert.Equal(next, caught.GetProperty("fromTreeSize").GetInt64());

        // A log found altered is not remembered as verified: the next incremental one still starts before the rewrite.
        var again = await VerifyAsync(Dpo, "?incremental=true");
        Assert.Equal((false, target, next), (again.GetProperty("valid").GetBoolean(), again.GetProperty("firstBadSeq").GetInt64(), again.GetProperty("fromTreeSize").GetInt64()));
    }

    [Fact]
    public async Task Incremental_WithNothingVerifiedBefore_IsAFullOne_AndSaysSo()
    {
        await ListInboxAsync("satm-agent", 5);
        var size = await SizeAsync("satm");
        var answer = await VerifyAsync("satm-dpo", "?incremental=true");
        Assert.True(answer.GetProperty("valid").GetBoolean(), answer.GetProperty("summary").GetString());
        Assert.Equal("full", answer.GetProperty("mode").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("fromTreeSize").ValueKind);
        Assert.Equal(size, answer.GetProperty("entriesChecked").GetInt64());
    }
}
