using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// Vue d'ensemble: the organisation's log over a period of local days, as the database counts it
/// (<see cref="AuditOverviewService"/>): accesses per day by outcome (a server-drawn chart, its
/// data also as a table), refusals by reason, volumes per exchange and purpose, the counterparts and
/// agents met most often, and when this DPO last verified the log. The overview is itself logged.
/// </summary>
internal sealed class VueEnsembleModel(AuditOverviewService overviews, CpomDbContext db, AccessDecisions decisions, PolicySet policies, TimeProvider time) : DpoPage
{
    /// <summary>The period shown when none is asked: the last 30 days, today included.</summary>
    public const int DefaultDays = 30;

    /// <summary>A DPO who has not verified the log for this many days is reminded to.</summary>
    public const int VerifyReminderDays = 30;

    [BindProperty(SupportsGet = true)] public DateOnly? Du { get; set; }
    [BindProperty(SupportsGet = true)] public DateOnly? Au { get; set; }

    public AuditOverview Overview { get; private set; } = null!;

    /// <summary>This DPO's last verification from the console, if any.</summary>
    public DpoCheckpointEntity? Pin { get; private set; }

    /// <summary>Today, in the gateway's legal time zone.</summary>
    public DateOnly Today => decisions.Today;

    public ConsoleLabels Labels { get; } = new(policies);

    public TimeZoneInfo Zone => decisions.Zone;

    public async Task<IActionResult> OnGetAsync()
    {
        if (!ModelState.IsValid)
        {
            return Refuse(IndexModel.BadPeriod);
        }
        var to = Au ?? Today;
        var from = Du ?? to.AddDays(1 - DefaultDays);
        var overview = await overviews.OverviewAsync(HttpContext, Caller, from, to, decisions.Zone);
        if (!overview.Succeeded)
        {
            return Refuse(overview.Refusal);
        }
        Overview = overview.Value;
        (Du, Au) = (from, to);
        Pin = await db.DpoCheckpoints.AsNoTracking().SingleOrDefaultAsync(p => p.AgentId == Caller.AgentId && p.Controller == Caller.Organisation, HttpContext.RequestAborted);
        return Page();
    }

    /// <summary>Whether the DPO should be reminded to verify: never did here, or not for <see cref="VerifyReminderDays"/> days.</summary>
    public bool VerificationDue => Pin is null || time.GetUtcNow().UtcDateTime - DateTime.SpecifyKind(Pin.VerifiedAtUtc, DateTimeKind.Utc) > TimeSpan.FromDays(VerifyReminderDays);

    /// <summary>The chart of the period (accesses per day, refusals stacked on top).</summary>
    public OverviewChart Chart => new(Overview);

    /// <summary>A day as the filter fields and the links write it.</summary>
    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
