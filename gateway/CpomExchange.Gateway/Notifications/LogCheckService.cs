using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// The nightly verification of every organisation's access log (issue 20.4), like the tamper check
/// managed file-transfer products run each night: at <c>Notifications:LogCheck:At</c> in
/// <c>Cpom:TimeZone</c>, one instance (the <see cref="LeaseName"/> lease, held until the next night so
/// that neither another instance nor a restart runs it twice) recomputes each log from the database and
/// checks it against its signed checkpoints. A log that does not verify: an alert to that organisation's
/// DPO at once (the outbox, once per log and night) and an error for the operator; a log that verifies:
/// an information line, no mail. An instance that starts more than <see cref="Window"/> after the hour
/// waits for the next night.
/// Between nights, each instance also checks every log every <c>Notifications:LogCheck:IncrementalEveryMinutes</c>
/// (<see cref="IncrementalRoundAsync"/>): from the last signed checkpoint this instance verified
/// (<see cref="VerifiedCheckpoints"/>, in memory), reading only the entries appended since. Its first round comes one
/// interval after the start (a restart does not re-read every log at once) and verifies in full unless a night's check or
/// a DPO's verification left a checkpoint by then. The night's check stays a full one: only it can see
/// a rewrite before a checkpoint already verified. Tampering found either way alerts the same way, once a night.
/// </summary>
internal sealed partial class LogCheckService(IServiceScopeFactory scopes, PolicySet policies, IOptions<NotificationOptions> options, TimeProvider time,
    GatewayInstance instance, VerifiedCheckpoints verified, ILogger<LogCheckService> logger) : BackgroundService
{
    /// <summary>The lease of the nightly check.</summary>
    public const string LeaseName = "access-log-nightly-check";

    /// <summary>How late after the hour a night's check may still start.</summary>
    internal static readonly TimeSpan Window = TimeSpan.FromHours(6);

    private DateOnly? _lastNight;

    private DateTimeOffset? _lastIncremental;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.LogCheck;
        if (!settings.Enabled)
        {
            return;
        }
        await PeriodicRounds.RunAsync(TimeSpan.FromSeconds(settings.PollSeconds), time, async cancellationToken =>
        {
            await RoundAsync(cancellationToken);
            await IncrementalRoundAsync(cancellationToken);
        }, e => LogFailed(logger, e), stoppingToken);
    }

    /// <summary>
    /// Checks every log from the last checkpoint this instance verified (in full the first time), when
    /// <c>IncrementalEveryMinutes</c> have passed since the last such round; returns the organisations whose
    /// log did not verify (null when it did not run).
    /// </summary>
    internal async Task<IReadOnlyList<string>?> IncrementalRoundAsync(CancellationToken cancellationToken)
    {
        var every = options.Value.LogCheck.IncrementalEveryMinutes;
        var now = time.GetUtcNow();
        if (every < 1)
        {
            return null;
        }
        if (_lastIncremental is not { } last)
        {
            // The first poll after a start only starts the interval.
            _lastIncremental = now;
            return null;
        }
        if (now - last < TimeSpan.FromMinutes(every))
        {
            return null;
        }
        await using var scope = scopes.CreateAsyncScope();
        var zone = scope.ServiceProvider.GetRequiredService<AccessDecisions>().Zone;
        var (night, _) = NightOf(now, zone);
        var failed = await CheckAllAsync(scope, night, incremental: true, cancellationToken);
        _lastIncremental = now;
        return failed;
    }

    /// <summary>Runs the night's check if it is due here; returns the organisations whose log did not verify (null when it did not run).</summary>
    internal async Task<IReadOnlyList<string>?> RoundAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var zone = scope.ServiceProvider.GetRequiredService<AccessDecisions>().Zone;
        var now = time.GetUtcNow();
        var (night, startUtc) = NightOf(now, zone);
        if (_lastNight == night)
        {
            return null;
        }
        if (now.UtcDateTime - startUtc > Window)
        {
            _lastNight = night;
            return null;
        }
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        // Held until shortly before the next night's hour: one run a night, whoever holds it and whatever restarts.
        var until = startUtc.AddHours(20) - now.UtcDateTime;
        if (!await Leases.TryAcquireAsync(db, LeaseName, instance.Id, until, now.UtcDateTime, cancellationToken))
        {
            _lastNight = night;
            return null;
        }
        // The night's check reads every log in full (and leaves what it verified for the incremental rounds).
        var failed = await CheckAllAsync(scope, night, incremental: false, cancellationToken);
        // Only once every log was read: a round that failed half-way runs again at the next poll (the alerts are written once each).
        _lastNight = night;
        return failed;
    }

    /// <summary>The night a moment belongs to (that of the last check hour passed) and the UTC start of its check.</summary>
    private (DateOnly Night, DateTime StartUtc) NightOf(DateTimeOffset now, TimeZoneInfo zone)
    {
        var at = options.Value.LogCheck.Time ?? new TimeOnly(3, 30);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        var night = DateOnly.FromDateTime(local);
        if (TimeOnly.FromDateTime(local) < at)
        {
            night = night.AddDays(-1);
        }
        var startLocal = night.ToDateTime(at);
        // A time the clock skips (spring forward) starts one hour later.
        return (night, TimeZoneInfo.ConvertTimeToUtc(zone.IsInvalidTime(startLocal) ? startLocal.AddHours(1) : startLocal, zone));
    }

    /// <summary>Verifies every organisation's log, alerts the DPO of each that does not verify (once for <paramref name="night"/>); returns those.</summary>
    private async Task<List<string>> CheckAllAsync(AsyncServiceScope scope, DateOnly night, bool incremental, CancellationToken cancellationToken)
    {
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var reader = scope.ServiceProvider.GetRequiredService<AccessLogReader>();
        var notifier = scope.ServiceProvider.GetRequiredService<Notifier>();
        var failed = new List<string>();
        foreach (var organisation in policies.Organisations.Keys.Order(StringComparer.Ordinal))
        {
            LogVerificationRun? run;
            try
            {
                run = await LogVerifications.VerifyAsync(reader, verified, organisation, incremental, cancellationToken);
            }
            catch (Exception e) when (e is not (OperationCanceledException or System.Data.Common.DbException))
            {
                // A log that cannot even be read back (a field altered beyond parsing) does not verify: fail closed.
                // A database that is down throws DbException instead: the round is tried again, nobody is alerted.
                LogUnreadable(logger, e, organisation);
                run = null;
            }
            var result = run?.Result;
            if (result is { Valid: true })
            {
                LogVerified(logger, organisation, result.EntriesChecked, result.CheckpointsChecked, Method(run!));
                continue;
            }
            failed.Add(organisation);
            LogTampered(logger, organisation, result?.FirstBadSeq, result?.Problem ?? "journal illisible", run is null ? "" : Method(run));
            try
            {
                db.ChangeTracker.Clear();
                await notifier.LogVerificationFailedAsync(db, organisation, night, result?.FirstBadSeq, cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Written by another run of the same night (the unique key): the DPO is told once.
                db.ChangeTracker.Clear();
            }
        }
        return failed;
    }

    private static string Method(LogVerificationRun run) =>
        run.FromSize is { } size ? $"vérification incrémentale depuis le point de contrôle de {size} entrées" : "vérification intégrale";

    [LoggerMessage(EventId = 8201, Level = LogLevel.Information, Message = "Vérification automatique : le journal des accès de {Organisation} est intègre ({Entries} entrée(s), {Checkpoints} point(s) de contrôle ; {Method}).")]
    private static partial void LogVerified(ILogger logger, string organisation, long entries, int checkpoints, string method);

    [LoggerMessage(EventId = 8202, Level = LogLevel.Error, Message = "Vérification automatique : le journal des accès de {Organisation} NE SE VÉRIFIE PAS (première entrée en cause : {FirstBad}) : {Problem}. Son DPO est alerté. {Method}")]
    private static partial void LogTampered(ILogger logger, string organisation, long? firstBad, string? problem, string method);

    [LoggerMessage(EventId = 8204, Level = LogLevel.Error, Message = "Vérification automatique : le journal des accès de {Organisation} ne peut pas être relu.")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, string organisation);

    [LoggerMessage(EventId = 8203, Level = LogLevel.Error, Message = "Échec de la vérification automatique des journaux des accès ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
