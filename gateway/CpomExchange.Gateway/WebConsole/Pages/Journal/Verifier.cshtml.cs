using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.WebConsole.Pages.Journal;

/// <summary>
/// Vérifier le journal: the gateway recomputes the organisation's whole log (entries, chain, roots,
/// signatures) and proves that the signed log extends the checkpoint this DPO verified last time
/// (<see cref="PinnedVerification"/>); the verdict in plain French, naming the first entry in
/// cause. A POST (with its antiforgery token): the check writes the DPO's new pin. In full by default
/// (what a DPO signs off); the second button (handler <c>Incremental</c>) reads only the entries after the
/// last signed checkpoint this gateway process verified, and the page says which was done.
/// </summary>
internal sealed class VerifierModel(PinnedVerification verification, CpomDbContext db, AccessDecisions decisions) : DpoPage
{
    /// <summary>The check just made (after the POST), or null.</summary>
    public PinnedCheck? Result { get; private set; }

    /// <summary>This DPO's pinned checkpoint before this visit, if any.</summary>
    public DpoCheckpointEntity? Pin { get; private set; }

    public TimeZoneInfo Zone => decisions.Zone;

    public async Task OnGetAsync() =>
        Pin = await db.DpoCheckpoints.AsNoTracking().SingleOrDefaultAsync(p => p.AgentId == Caller.AgentId && p.Controller == Caller.Organisation, HttpContext.RequestAborted);

    public Task<IActionResult> OnPostAsync() => VerifyAsync(incremental: false);

    public Task<IActionResult> OnPostIncrementalAsync() => VerifyAsync(incremental: true);

    private async Task<IActionResult> VerifyAsync(bool incremental)
    {
        var check = await verification.VerifyAsync(HttpContext, Caller, incremental);
        if (!check.Succeeded)
        {
            return Refuse(check.Refusal);
        }
        Result = check.Value;
        Pin = Result.Previous;
        return Page();
    }

    /// <summary>A UTC moment of the database, in the gateway's legal time zone.</summary>
    public string Local(DateTime utc) => JournalText.Time(new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)), Zone);
}
