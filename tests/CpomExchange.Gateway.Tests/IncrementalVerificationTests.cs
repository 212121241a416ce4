using System.Net;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CpomExchange.Gateway.Tests;

/// <summary>
/// Verification from the last verified checkpoint (<see cref="AccessLogReader.VerifyFromAsync"/>): it reads only
/// the entries after it and catches what was rewritten there; what was rewritten before it is the full
/// verification's to find, and the full verification still finds it.
/// </summary>
public sealed class IncrementalVerificationTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task ListInboxAsync(string agent, int times)
    {
        using var client = gateway.ClientFor(agent);
        for (var i = 0; i < times; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/v1/inbox")).StatusCode);
        }
    }

    private async Task<T> WithReaderAsync<T>(Func<AccessLogReader, CpomExchange.Infrastructure.Storage.CpomDbContext, Task<T>> action)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await action(new AccessLogReader(db, gateway.Services.GetRequiredService<IKeyProvider>()), db);
    }

    /// <summary>Changes one entry's agent, as whoever can write to the database can (triggers dropped first).</summary>
    private async Task RewriteAgentAsync(string controller, long seq)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using (var drop = connection.CreateCommand())
        {
            drop.CommandText = db.Database.IsNpgsql()
                ? "ALTER TABLE access_log_entries DISABLE TRIGGER USER;"
                : "DROP TRIGGER IF EXISTS access_log_entries_append_only;";
            await drop.ExecuteNonQueryAsync();
        }
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE access_log_entries SET \"AgentId\" = 'quelqu-un-d-autre' WHERE \"Controller\" = @c AND \"Seq\" = @s;";
        var c = command.CreateParameter();
        c.ParameterName = "c";
        c.Value = controller;
        command.Parameters.Add(c);
        var s = command.CreateParameter();
        s.ParameterName = "s";
        s.Value = seq;
        command.Parameters.Add(s);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private Task<long> SizeAsync(string controller) => WithReaderAsync(async (reader, _) => (await reader.HeadAsync(controller))!.Size);

    [Fact]
    public async Task FromTheLastCheckpoint_OnlyTheNewEntriesAreRead_AndARewriteAmongThemIsCaught()
    {
        const string Controller = "dreets-occitanie";
        var verified = new VerifiedCheckpoints();
        await ListInboxAsync(Controller + "-agent", 10);

        var first = await WithReaderAsync((reader, _) => reader.VerifySinceLastAsync(Controller, verified));
        Assert.True(first.Valid, first.Problem);
        var size = await SizeAsync(Controller);
        Assert.Equal(size, first.EntriesChecked);
        var from = verified.Get(Controller);
        Assert.NotNull(from);
        Assert.Equal(first.LatestCheckpoint!.TreeSize, from.Size);
        Assert.True(from.Size >= 4, $"a checkpoint every 4 entries, {size} entries: verified up to {from.Size}");

        // Eight more entries: the next verification reads those after the checkpoint only.
        await ListInboxAsync(Controller + "-agent", 8);
        var second = await WithReaderAsync((reader, _) => reader.VerifySinceLastAsync(Controller, verified));
        Assert.True(second.Valid, second.Problem);
        var newSize = await SizeAsync(Controller);
        Assert.Equal(newSize - from.Size, second.EntriesChecked);
        Assert.True(verified.Get(Controller)!.Size > from.Size);

        // A rewrite after the remembered checkpoint is caught, at its entry.
        var target = verified.Get(Controller)!.Size + 1;
        await ListInboxAsync(Controller + "-agent", 3);
        await RewriteAgentAsync(Controller, target);
        var third = await WithReaderAsync((reader, _) => reader.VerifySinceLastAsync(Controller, verified));
        Assert.False(third.Valid);
        Assert.Equal(target, third.FirstBadSeq);
    }

    [Fact]
    public async Task ARewriteBeforeTheCheckpoint_IsLeftToTheFullVerification_WhichStillCatchesIt()
    {
        const string Controller = "carsat-ra";
        var verified = new VerifiedCheckpoints();
        await ListInboxAsync(Controller + "-agent", 10);
        var first = await WithReaderAsync((reader, _) => reader.VerifySinceLastAsync(Controller, verified));
        Assert.True(first.Valid, first.Problem);
        var from = verified.Get(Controller)!;

        await RewriteAgentAsync(Controller, 2);

        // The incremental verification does not read entry 2 again: that is its contract.
        var incremental = await WithReaderAsync((reader, _) => reader.VerifyFromAsync(Controller, from));
        Assert.True(incremental.Valid, incremental.Problem);
        Assert.Equal(await SizeAsync(Controller) - from.Size, incremental.EntriesChecked);
        // The full verification does, and names it.
        var full = await WithReaderAsync((reader, _) => reader.VerifyAsync(Controller));
        Assert.False(full.Valid);
        Assert.Equal(2, full.FirstBadSeq);
    }

    [Fact]
    public async Task AStartThatIsNotTheSignedCheckpoints_IsRefused()
    {
        // The start's own trust: its range must give the root the log's key signed at that size.
        const string Controller = "dreets-aura";
        var verified = new VerifiedCheckpoints();
        await ListInboxAsync(Controller + "-agent", 10);
        Assert.True((await WithReaderAsync((reader, _) => reader.VerifySinceLastAsync(Controller, verified))).Valid);
        var from = verified.Get(Controller)!;
        var forgedRange = new CompactRange();
        for (var i = 0; i < from.Size; i++)
        {
            forgedRange.Append(new byte[32]);
        }

        var forged = await WithReaderAsync((reader, _) => reader.VerifyFromAsync(Controller, new LogStart(from.Size, forgedRange, from.LastLeafHash)));
        Assert.False(forged.Valid);
        Assert.Equal(from.Size, forged.FirstBadSeq);

        var missing = await WithReaderAsync((reader, _) => reader.VerifyFromAsync(Controller, new LogStart(from.Size + 1, forgedRange, from.LastLeafHash)));
        Assert.False(missing.Valid);
        Assert.Contains("a disparu", missing.Problem, StringComparison.Ordinal);
    }
}
