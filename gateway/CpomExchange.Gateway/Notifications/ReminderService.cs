using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Indicators;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// The scheduled reminders, on every instance in rounds (<c>Notifications:Reminders:CheckEverySeconds</c>);
/// the instance holding the <see cref="LeaseName"/> lease writes them to the outbox, each once
/// (<see cref="NotificationEntity.DedupKey"/>, across rounds, restarts and instances):
/// a received file not downloaded <c>RetentionDaysBefore</c> days before its retention ends; the annual
/// table not sent 30 and 7 days before 30 June (seed 004, "au plus tard le 30 juin"); a certificate
/// expiring within <c>CertificateDaysBefore</c> days. "Today" is the day in <c>Cpom:TimeZone</c>, read
/// from the <see cref="TimeProvider"/> at each round (tests move it).
/// </summary>
internal sealed partial class ReminderService(IServiceScopeFactory scopes, PolicySet policies, IOptions<NotificationOptions> options, TimeProvider time,
    GatewayInstance instance, ILogger<ReminderService> logger) : BackgroundService
{
    /// <summary>The lease of the reminders.</summary>
    public const string LeaseName = "notification-reminders";

    /// <summary>The annual table is reminded this many days before 30 June, the last threshold passed only.</summary>
    private static readonly int[] AnnualThresholds = [7, 30];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Reminders.Enabled)
        {
            return;
        }
        var period = TimeSpan.FromSeconds(options.Value.Reminders.CheckEverySeconds);
        await PeriodicRounds.RunAsync(period, time, async ct =>
        {
            var written = await RoundAsync(period, ct);
            if (written > 0)
            {
                LogWritten(logger, written);
            }
        }, e => LogFailed(logger, e), stoppingToken);
    }

    /// <summary>One round: takes the lease, writes the reminders due and not yet written; returns how many.</summary>
    internal async Task<int> RoundAsync(TimeSpan period, CancellationToken cancellationToken)
    {
        await using var leaseScope = scopes.CreateAsyncScope();
        var leaseDb = leaseScope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var duration = TimeSpan.FromSeconds(Math.Max(60, period.TotalSeconds * 2));
        if (!await Leases.TryAcquireAsync(leaseDb, LeaseName, instance.Id, duration, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            return 0;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
        var decisions = scope.ServiceProvider.GetRequiredService<AccessDecisions>();
        var settings = options.Value.Reminders;
        var now = time.GetUtcNow().UtcDateTime;
        var written = 0;

        foreach (var exchange in policies.Exchanges.Values)
        {
            // Available, never downloaded, within RetentionDaysBefore of the end of its retention (and not past it: the shredder's).
            var from = now.AddDays(-exchange.RetentionDays);
            var until = now.AddDays(settings.RetentionDaysBefore - exchange.RetentionDays);
            var due = await db.Datasets.AsNoTracking()
                .Where(d => d.Type == exchange.Type && d.Status == DatasetStatus.Available && d.FirstDownloadedAtUtc == null && d.CreatedAtUtc > from && d.CreatedAtUtc <= until)
                .OrderBy(d => d.CreatedAtUtc).ToListAsync(cancellationToken);
            foreach (var dataset in due)
            {
                written += await OnceAsync(db, () => notifier.RetentionEndingAsync(db, dataset, dataset.CreatedAtUtc.AddDays(exchange.RetentionDays), cancellationToken));
            }
        }

        var today = decisions.Today;
        var june30 = new DateOnly(today.Year, 6, 30);
        var daysLeft = june30.DayNumber - today.DayNumber;
        var threshold = daysLeft < 0 ? 0 : AnnualThresholds.FirstOrDefault(t => daysLeft <= t);
        if (threshold > 0)
        {
            var year = today.Year - 1;
            var (yearStartUtc, _) = AnnualIndicators.UtcBounds(today.Year, decisions.Zone);
            // Each contract as amended today.
            foreach (var contract in policies.Contracts.Select(c => c.On(today)))
            {
                if (!(contract.InForce(today) || contract.InReportingPeriod(today)) || !contract.Covers(year) || !contract.Exchanges.ContainsKey(ReportingPolicy.Indicators))
                {
                    continue;
                }
                // Sent this year by the SPSTI under this contract (a withdrawn table does not count; its replacement does).
                var sent = await db.Datasets.AsNoTracking().AnyAsync(d => d.Type == ReportingPolicy.Indicators && d.ContractId == contract.Id
                    && d.FromOrganisation == contract.Spsti && d.Status != DatasetStatus.Withdrawn && d.CreatedAtUtc >= yearStartUtc, cancellationToken);
                if (!sent)
                {
                    written += await OnceAsync(db, () => notifier.AnnualTableDueAsync(db, contract, year, june30, threshold, cancellationToken));
                }
            }
        }

        var expiring = now.AddDays(settings.CertificateDaysBefore);
        var agents = await db.Agents.AsNoTracking().Where(a => !a.Disabled && a.CertificateNotAfterUtc > now && a.CertificateNotAfterUtc <= expiring)
            .OrderBy(a => a.Id).ToListAsync(cancellationToken);
        foreach (var agent in agents)
        {
            written += await OnceAsync(db, () => notifier.CertificateExpiringAsync(db, agent, cancellationToken));
        }
        return written;
    }

    /// <summary>Writes one reminder; 0 when it was already written (found, or written by another instance meanwhile: the unique index).</summary>
    private static async Task<int> OnceAsync(CpomDbContext db, Func<Task<bool>> write)
    {
        try
        {
            return await write() ? 1 : 0;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return 0;
        }
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Rappels : {Count} notification(s) de rappel écrite(s) dans la file d'envoi.")]
    private static partial void LogWritten(ILogger logger, int count);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Error, Message = "Échec du passage des rappels ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
