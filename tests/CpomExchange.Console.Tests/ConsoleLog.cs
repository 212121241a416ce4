using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Console.Tests;

/// <summary>What the console's actions wrote to the access logs, read from the database as an auditor would.</summary>
internal static class ConsoleLog
{
    /// <summary>
    /// The last sequence number of <paramref name="controller"/>'s log, or -1 when it is empty: a log's first
    /// entry is number 0, so that <see cref="SinceAsync"/> from an empty log's head returns it.
    /// </summary>
    public static async Task<long> HeadAsync(this GatewayFixture gateway, string controller)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.AccessLogEntries.Where(e => e.Controller == controller).Select(e => (long?)e.Seq).MaxAsync() ?? -1;
    }

    /// <summary>The entries of <paramref name="controller"/>'s log after <paramref name="after"/>, in order.</summary>
    public static async Task<List<AccessLogEntryEntity>> SinceAsync(this GatewayFixture gateway, string controller, long after)
    {
        await using var db = await gateway.OpenDatabaseAsync();
        return await db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller && e.Seq > after).OrderBy(e => e.Seq).ToListAsync();
    }
}
