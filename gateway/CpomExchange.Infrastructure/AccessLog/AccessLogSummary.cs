using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.AccessLog;

/// <summary>How many entries of one action and outcome fall in one UTC hour.</summary>
public sealed record HourlyCount(DateTime HourUtc, string Action, string Outcome, long Count);

/// <summary>How many entries share one value (a reason, a counterpart, an agent).</summary>
public sealed record KeyCount(string Key, string? Label, long Count);

/// <summary>
/// Counts over a controller's log for a period, computed by the database (grouped, never every row
/// read into the gateway): what a DPO's overview charts are drawn from.
/// </summary>
public sealed class AccessLogSummary(CpomDbContext db)
{
    /// <summary>
    /// Entries per UTC hour, action and outcome from <paramref name="fromUtc"/> (included) to
    /// <paramref name="toUtc"/> (excluded). Hours rather than days: the caller cuts days in its own
    /// time zone, which a database's date functions do not share.
    /// </summary>
    public async Task<IReadOnlyList<HourlyCount>> HourlyAsync(string controller, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default)
    {
        var rows = await InPeriod(controller, fromUtc, toUtc)
            .GroupBy(e => new { e.TimeUtc.Date, e.TimeUtc.Hour, e.Action, e.Outcome })
            .Select(g => new { g.Key.Date, g.Key.Hour, g.Key.Action, g.Key.Outcome, Count = g.LongCount() })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new HourlyCount(DateTime.SpecifyKind(r.Date.AddHours(r.Hour), DateTimeKind.Utc), r.Action, r.Outcome, r.Count)).ToList();
    }

    /// <summary>Refusals by reason code, most frequent first.</summary>
    public Task<IReadOnlyList<KeyCount>> RefusalReasonsAsync(string controller, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default) =>
        CountByAsync(InPeriod(controller, fromUtc, toUtc).Where(e => e.Outcome == AccessLogEntry.Denied), e => e.ReasonCode, cancellationToken);

    /// <summary>Entries by exchange type (entries naming none left out), most frequent first.</summary>
    public Task<IReadOnlyList<KeyCount>> ByExchangeAsync(string controller, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default) =>
        CountByAsync(InPeriod(controller, fromUtc, toUtc).Where(e => e.ExchangeType != null), e => e.ExchangeType, cancellationToken);

    /// <summary>Entries by purpose (entries naming none left out), most frequent first.</summary>
    public Task<IReadOnlyList<KeyCount>> ByPurposeAsync(string controller, DateTime fromUtc, DateTime toUtc, CancellationToken cancellationToken = default) =>
        CountByAsync(InPeriod(controller, fromUtc, toUtc).Where(e => e.Purpose != null), e => e.Purpose, cancellationToken);

    /// <summary>The <paramref name="top"/> counterparts named most often, most frequent first.</summary>
    public async Task<IReadOnlyList<KeyCount>> TopCounterpartsAsync(string controller, DateTime fromUtc, DateTime toUtc, int top, CancellationToken cancellationToken = default)
    {
        var rows = await InPeriod(controller, fromUtc, toUtc)
            .Where(e => e.Counterpart != null)
            .GroupBy(e => e.Counterpart)
            .Select(g => new { g.Key, Count = g.LongCount() })
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key).Take(top)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new KeyCount(r.Key!, null, r.Count)).ToList();
    }

    /// <summary>The <paramref name="top"/> agents with the most entries, most frequent first, with the name of each as last logged.</summary>
    public async Task<IReadOnlyList<KeyCount>> TopAgentsAsync(string controller, DateTime fromUtc, DateTime toUtc, int top, CancellationToken cancellationToken = default)
    {
        var rows = await InPeriod(controller, fromUtc, toUtc)
            .GroupBy(e => e.AgentId)
            .Select(g => new { g.Key, Count = g.LongCount(), Last = g.Max(e => e.Seq) })
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key).Take(top)
            .ToListAsync(cancellationToken);
        var result = new List<KeyCount>(rows.Count);
        foreach (var r in rows)
        {
            var name = await db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller && e.Seq == r.Last).Select(e => e.AgentName).SingleAsync(cancellationToken);
            result.Add(new KeyCount(r.Key, name, r.Count));
        }
        return result;
    }

    /// <summary>
    /// <paramref name="entries"/> grouped by <paramref name="key"/> and counted by the database, most frequent
    /// first, then by key (a null key, a refusal without a reason, counts under "").
    /// </summary>
    private static async Task<IReadOnlyList<KeyCount>> CountByAsync(IQueryable<AccessLogEntryEntity> entries,
        System.Linq.Expressions.Expression<Func<AccessLogEntryEntity, string?>> key, CancellationToken cancellationToken)
    {
        var rows = await entries.GroupBy(key).Select(g => new { g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken);
        return rows.Select(r => new KeyCount(r.Key ?? "", null, r.Count)).OrderByDescending(r => r.Count).ThenBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    private IQueryable<AccessLogEntryEntity> InPeriod(string controller, DateTime fromUtc, DateTime toUtc) =>
        db.AccessLogEntries.AsNoTracking().Where(e => e.Controller == controller && e.TimeUtc >= fromUtc && e.TimeUtc < toUtc);
}
