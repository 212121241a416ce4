using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>The entries of one local day, action and outcome.</summary>
internal sealed record DailyCount(DateOnly Day, string Action, string Outcome, long Count);

/// <summary>
/// What a DPO's overview shows for a period of local days: entries per day by action and outcome,
/// refusals by reason, the counterparts and agents met most often, the volumes per exchange and purpose.
/// </summary>
internal sealed record AuditOverview(
    DateOnly From,
    DateOnly To,
    IReadOnlyList<DailyCount> Daily,
    IReadOnlyList<KeyCount> RefusalReasons,
    IReadOnlyList<KeyCount> TopCounterparts,
    IReadOnlyList<KeyCount> TopAgents)
{
    /// <summary>Entries by exchange type, most frequent first (entries naming no exchange left out).</summary>
    public IReadOnlyList<KeyCount> ByExchange { get; init; } = [];

    /// <summary>Entries by purpose, most frequent first (entries naming no purpose left out).</summary>
    public IReadOnlyList<KeyCount> ByPurpose { get; init; } = [];

    /// <summary>Every day of the period, in order.</summary>
    public IEnumerable<DateOnly> Days
    {
        get
        {
            for (var day = From; day <= To; day = day.AddDays(1))
            {
                yield return day;
            }
        }
    }

    /// <summary>The actions met in the period, in the order of <see cref="LogActions"/>' list below.</summary>
    public IReadOnlyList<string> Actions => [.. Daily.Select(d => d.Action).Distinct().OrderBy(ActionOrder).ThenBy(a => a, StringComparer.Ordinal)];

    /// <summary>Entries in the period.</summary>
    public long Total => Daily.Sum(d => d.Count);

    /// <summary>Refusals in the period.</summary>
    public long Denied => Daily.Where(d => d.Outcome == AccessLogEntry.Denied).Sum(d => d.Count);

    /// <summary>The entries of <paramref name="day"/>, of one action and one outcome when given.</summary>
    public long Count(DateOnly day, string? action = null, string? outcome = null) =>
        Daily.Where(d => d.Day == day && (action is null || d.Action == action) && (outcome is null || d.Outcome == outcome)).Sum(d => d.Count);

    private static readonly string[] KnownActions =
    [
        LogActions.Upload, LogActions.List, LogActions.ReadMetadata, LogActions.Download, LogActions.Acknowledge, LogActions.Withdraw,
        LogActions.ConsentWithdrawal, LogActions.IndicatorsDraft, LogActions.TargetingComparison, LogActions.Authenticate, LogActions.AdminChange, LogActions.AuditRead, LogActions.Purge,
    ];

    private static int ActionOrder(string action) => Array.IndexOf(KnownActions, action) is var i and >= 0 ? i : KnownActions.Length;
}

/// <summary>The DPO's overview of their organisation's log, computed by the database and logged as a review.</summary>
internal sealed class AuditOverviewService(AccessLogSummary summary, AccessJournal journal)
{
    /// <summary>The longest period an overview covers, in days.</summary>
    public const int MaxDays = 366;

    /// <summary>How many counterparts and agents the overview ranks.</summary>
    public const int Top = 10;

    /// <summary>The overview of the local days <paramref name="from"/> to <paramref name="to"/> (both included) in <paramref name="zone"/>.</summary>
    public async Task<Outcome<AuditOverview>> OverviewAsync(HttpContext http, Caller caller, DateOnly from, DateOnly to, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (AuditService.NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        if (to < from || to.DayNumber - from.DayNumber >= MaxDays)
        {
            return new Refusal(ErrorCatalog.AuditBadPeriod, $"Période invalide : du premier au dernier jour, {MaxDays} jours au plus.");
        }
        var controller = caller.Organisation!;
        var fromUtc = TimeZoneInfo.ConvertTimeToUtc(from.ToDateTime(TimeOnly.MinValue), zone);
        var toUtc = TimeZoneInfo.ConvertTimeToUtc(to.AddDays(1).ToDateTime(TimeOnly.MinValue), zone);
        var cancellationToken = http.RequestAborted;
        var hourly = await summary.HourlyAsync(controller, fromUtc, toUtc, cancellationToken);
        // Hours to local days here: the databases' date functions know UTC only.
        var daily = hourly
            .GroupBy(h => (Day: DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(h.HourUtc, zone)), h.Action, h.Outcome))
            .Select(g => new DailyCount(g.Key.Day, g.Key.Action, g.Key.Outcome, g.Sum(h => h.Count)))
            .OrderBy(d => d.Day).ThenBy(d => d.Action, StringComparer.Ordinal).ThenBy(d => d.Outcome, StringComparer.Ordinal)
            .ToList();
        var reasons = await summary.RefusalReasonsAsync(controller, fromUtc, toUtc, cancellationToken);
        var counterparts = await summary.TopCounterpartsAsync(controller, fromUtc, toUtc, Top, cancellationToken);
        var agents = await summary.TopAgentsAsync(controller, fromUtc, toUtc, Top, cancellationToken);
        var overview = new AuditOverview(from, to, daily, reasons, counterparts, agents)
        {
            ByExchange = await summary.ByExchangeAsync(controller, fromUtc, toUtc, cancellationToken),
            ByPurpose = await summary.ByPurposeAsync(controller, fromUtc, toUtc, cancellationToken),
        };
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, overview.Total, null, null,
            $"vue d'ensemble {from:yyyy-MM-dd} {to:yyyy-MM-dd}", null, []);
        return overview;
    }
}
