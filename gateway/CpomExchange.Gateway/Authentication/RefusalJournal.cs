using System.Globalization;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;

namespace CpomExchange.Gateway.Authentication;

/// <summary>
/// Why a request was refused before the caller was known: the code and French detail it is
/// answered with, and what the log entry says of the certificate (the agent it is registered to,
/// if any, and the organisations whose logs record the refusal).
/// </summary>
internal sealed record AuthenticationRefusal(string Code, string Detail, string Fingerprint, string AgentId, string AgentName, IReadOnlyList<string> Controllers);

/// <summary>
/// Writes the refusals of authentication to the logs of the organisations concerned, without letting
/// a flood of them become a flood of log entries and commits. The first refusal of a certificate
/// for a reason, in a window (<see cref="RefusalOptions.Window"/>), is written at once and durably,
/// as any entry; the identical refusals that follow in that window are counted, and when the window
/// ends one more entry records them: the same action, outcome, reason and certificate, the count in
/// <c>rows</c> and, in <c>object</c>, "N refus identiques de plus, du … au …" (first and last time, UTC).
/// Nothing is dropped: the count is written when the window ends or when the gateway stops. The
/// entries are ordinary entries of the log (same canonical form), so every log, old or new, is
/// verified by the same <c>cpom audit verify</c>.
/// </summary>
internal sealed partial class RefusalJournal(AccessLogBatcher batcher, RefusalLimiter limiter, TimeProvider time, ILogger<RefusalJournal> logger)
    : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Fingerprint, string Code, string Controllers), Aggregate> _open = [];
    private readonly Dictionary<string, AuthenticationRefusal> _lastByCertificate = new(StringComparer.Ordinal);

    private sealed class Aggregate(DateTimeOffset start, AuthenticationRefusal refusal)
    {
        public DateTimeOffset Start { get; } = start;

        public AuthenticationRefusal Refusal { get; } = refusal;

        public long Suppressed { get; set; }

        public DateTimeOffset First { get; set; }

        public DateTimeOffset Last { get; set; }

        public string? LastAddress { get; set; }

        public HashSet<string> Addresses { get; } = new(StringComparer.Ordinal);

        public string? LastRequestId { get; set; }
    }

    /// <summary>The refusal last recorded for a certificate in the current window (to log its further attempts under the same organisations).</summary>
    public AuthenticationRefusal? LastRefusalOf(string fingerprint)
    {
        lock (_lock)
        {
            return _lastByCertificate.GetValueOrDefault(fingerprint);
        }
    }

    /// <summary>
    /// Counts the refusal against its address and certificate, and logs it: at once and durably when
    /// it is the first of its kind in the window, else in the window's summary entry.
    /// </summary>
    public async Task RecordAsync(HttpContext http, AuthenticationRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(refusal);
        var address = http.Connection.RemoteIpAddress;
        limiter.Count(address, refusal.Fingerprint);
        if (refusal.Controllers.Count == 0)
        {
            // No organisation's log concerned (a certificate naming none): the operator's log only.
            LogWithoutController(logger, refusal.Code, refusal.Fingerprint, address?.ToString() ?? "-");
            return;
        }
        var now = time.GetUtcNow();
        Aggregate? ended = null;
        var key = (refusal.Fingerprint, refusal.Code, string.Join(',', refusal.Controllers.Order(StringComparer.Ordinal)));
        lock (_lock)
        {
            _lastByCertificate[refusal.Fingerprint] = refusal;
            if (_open.TryGetValue(key, out var open) && now < open.Start + limiter.Options.Window)
            {
                if (open.Suppressed == 0)
                {
                    open.First = now;
                }
                open.Suppressed++;
                open.Last = now;
                open.LastAddress = address?.ToString();
                if (open.Addresses.Count < 1000 && open.LastAddress is not null)
                {
                    open.Addresses.Add(open.LastAddress);
                }
                open.LastRequestId = http.TraceIdentifier;
                return;
            }
            if (open is not null)
            {
                _open.Remove(key);
                ended = open;
            }
            _open[key] = new Aggregate(now, refusal);
        }
        if (ended is not null)
        {
            await WriteSummaryAsync(ended);
        }
        // The first of its kind in this window: durable before the request is answered, like any entry.
        await batcher.AppendAsync(refusal.Controllers, Draft(refusal, now, null, null, address?.ToString(), http.TraceIdentifier), http.RequestAborted);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = limiter.Options.Window / 4;
        if (period < TimeSpan.FromMilliseconds(250))
        {
            period = TimeSpan.FromMilliseconds(250);
        }
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                limiter.Sweep();
                await FlushAsync(all: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes what is still counted.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(all: true);
    }

    /// <summary>Writes the summary of every window that has ended (or of every window, when stopping).</summary>
    internal async Task FlushAsync(bool all)
    {
        var now = time.GetUtcNow();
        List<Aggregate> ended = [];
        lock (_lock)
        {
            foreach (var (key, open) in _open.ToList())
            {
                if (all || now >= open.Start + limiter.Options.Window)
                {
                    _open.Remove(key);
                    ended.Add(open);
                }
            }
            foreach (var (fingerprint, _) in _lastByCertificate.ToList())
            {
                if (!_open.Keys.Any(k => k.Fingerprint == fingerprint))
                {
                    _lastByCertificate.Remove(fingerprint);
                }
            }
        }
        foreach (var aggregate in ended)
        {
            await WriteSummaryAsync(aggregate);
        }
    }

    private async Task WriteSummaryAsync(Aggregate aggregate)
    {
        if (aggregate.Suppressed == 0)
        {
            return;
        }
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{aggregate.Suppressed} refus identiques de plus, du {aggregate.First:yyyy-MM-dd'T'HH:mm:ss'Z'} au {aggregate.Last:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        var address = aggregate.Addresses.Count > 1
            ? string.Create(CultureInfo.InvariantCulture, $"{aggregate.Addresses.Count} adresses, dont {aggregate.LastAddress}")
            : aggregate.LastAddress;
        try
        {
            await batcher.AppendAsync(aggregate.Refusal.Controllers,
                Draft(aggregate.Refusal, time.GetUtcNow(), aggregate.Suppressed, summary, address, aggregate.LastRequestId), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The database is down: the count is not lost silently, the operator's log has it.
            LogSummaryFailed(logger, e, aggregate.Suppressed, aggregate.Refusal.Code, aggregate.Refusal.Fingerprint, aggregate.First, aggregate.Last);
        }
    }

    private static AccessLogDraft Draft(AuthenticationRefusal refusal, DateTimeOffset when, long? count, string? summary, string? address, string? requestId) =>
        new(when, refusal.AgentId, refusal.AgentName, null, refusal.Fingerprint, LogActions.Authenticate, null, null, count, null, null, summary, null,
            AccessLogEntry.Denied, refusal.Code, address, requestId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Authentification refusée ({Code}) du certificat {Fingerprint} depuis {Address}, qui ne concerne le journal d'aucune organisation.")]
    private static partial void LogWithoutController(ILogger logger, string code, string fingerprint, string address);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Impossible de journaliser {Count} refus identiques ({Code}) du certificat {Fingerprint} entre {First:o} et {Last:o}.")]
    private static partial void LogSummaryFailed(ILogger logger, Exception exception, long count, string code, string fingerprint, DateTimeOffset first, DateTimeOffset last);
}
