using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// Posts the outbox's webhook rows (<see cref="Recipient"/>) to each organisation's system
/// (<c>Notifications:Webhooks:&lt;organisation&gt;</c>), on every instance in rounds, the holder of the
/// <see cref="LeaseName"/> lease sending. The body names the event, the organisation, the gateway's
/// dataset reference, the time and a delivery id: never an identifier or a cell of a file. It is signed:
/// <c>X-Cpom-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA-256 of "t.body" with the secret&gt;</c>
/// (a receiver refuses an old <c>t</c>, so a captured request cannot be replayed later). 2xx: sent.
/// 408, 429, 5xx, no answer: retried with the outbox's back-off, with the same delivery id (the receiver
/// deduplicates on it). Other 4xx: rejected, for the administrator to see.
/// </summary>
internal sealed partial class WebhookSender(IServiceScopeFactory scopes, IOptions<NotificationOptions> options, TimeProvider time,
    GatewayInstance instance, ILogger<WebhookSender> logger) : BackgroundService
{
    /// <summary>The <see cref="NotificationEntity.Recipients"/> of a webhook row.</summary>
    public const string Recipient = "webhook";

    /// <summary>The lease of the webhook sender.</summary>
    public const string LeaseName = "notification-webhooks";

    private HttpClient? _client;
    private X509Certificate2? _anchor;

    /// <summary>The JSON body of a webhook: no identifier of a file, no person.</summary>
    public static string Body(string eventName, string organisation, string? datasetId, DateTime atUtc) => JsonSerializer.Serialize(new
    {
        @event = eventName,
        organisation,
        dataset = datasetId,
        occurredAt = DateTime.SpecifyKind(atUtc, DateTimeKind.Utc),
        delivery = Guid.NewGuid().ToString("N"),
    }, JsonSerializerOptions.Web);

    /// <summary>The signature header's value for <paramref name="body"/> at <paramref name="unixSeconds"/>.</summary>
    public static string Signature(string secret, long unixSeconds, string body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Webhooks.Count == 0)
        {
            return;
        }
        var period = TimeSpan.FromSeconds(settings.PollSeconds);
        await PeriodicRounds.RunAsync(period, time, ct => RoundAsync(settings, period, ct), e => LogFailed(logger, e), stoppingToken);
    }

    private async Task RoundAsync(NotificationOptions settings, TimeSpan period, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var duration = TimeSpan.FromSeconds(Math.Max(60, period.TotalSeconds * 4));
        if (!await Leases.TryAcquireAsync(db, LeaseName, instance.Id, duration, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            return;
        }
        // A post left "sending" by a sender that stopped: posted again (same delivery id; the receiver deduplicates).
        await db.Notifications.Where(n => n.State == NotificationStates.Sending && n.Recipients == Recipient)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.State, NotificationStates.Pending), cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.Notifications.AsNoTracking()
            .Where(n => n.State == NotificationStates.Pending && n.NextAttemptAtUtc <= now && n.Recipients == Recipient)
            .OrderBy(n => n.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
        foreach (var n in due)
        {
            var claimed = await db.Notifications.Where(x => x.Id == n.Id && x.State == NotificationStates.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationStates.Sending).SetProperty(x => x.SendingBy, instance.Id)
                    .SetProperty(x => x.Attempts, x => x.Attempts + 1), cancellationToken);
            if (claimed != 1)
            {
                continue;
            }
            if (!settings.Webhooks.TryGetValue(n.OrganisationId, out var hook) || hook.Url is null || hook.Secret is null)
            {
                await NotificationSender.SettleAsync(db, n.Id, NotificationStates.Rejected, null, "Webhook retiré des réglages.", cancellationToken);
                continue;
            }
            var (state, error) = await PostAsync(n, hook.Url, hook.Secret, settings, cancellationToken);
            if (state == NotificationStates.Pending)
            {
                var next = time.GetUtcNow().UtcDateTime + NotificationSender.Backoff(n.Attempts + 1, settings);
                await db.Notifications.Where(x => x.Id == n.Id && x.State == NotificationStates.Sending)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationStates.Pending).SetProperty(x => x.NextAttemptAtUtc, next)
                        .SetProperty(x => x.LastError, error).SetProperty(x => x.SendingBy, (string?)null), cancellationToken);
                LogRetry(logger, n.Id, error ?? string.Empty);
                continue;
            }
            await NotificationSender.SettleAsync(db, n.Id, state, state == NotificationStates.Sent ? time.GetUtcNow().UtcDateTime : null, error, CancellationToken.None);
        }
    }

    private async Task<(string State, string? Error)> PostAsync(NotificationEntity n, Uri url, string secret, NotificationOptions settings, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(n.TextBody, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Cpom-Signature", Signature(secret, time.GetUtcNow().ToUnixTimeSeconds(), n.TextBody));
        request.Headers.Add("X-Cpom-Event", n.Event);
        try
        {
            using var response = await Client(settings).SendAsync(request, cancellationToken);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (NotificationStates.Sent, null)
                : code is 408 or 429 or >= 500 ? (NotificationStates.Pending, $"Webhook : réponse {code}, nouvel essai.")
                : (NotificationStates.Rejected, $"Webhook : refusé ({code}).");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (NotificationStates.Pending, $"Webhook injoignable : {(e.Message.Length > 400 ? e.Message[..400] : e.Message)}");
        }
    }

    private HttpClient Client(NotificationOptions settings)
    {
        if (_client is not null)
        {
            return _client;
        }
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false };
        if (!string.IsNullOrWhiteSpace(settings.WebhookTrustAnchor))
        {
            // Kept for the client's lifetime (this service's): the callback needs it at each handshake.
            var anchor = X509CertificateLoader.LoadCertificateFromFile(settings.WebhookTrustAnchor);
            _anchor = anchor;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => NotificationSender.ChainsTo(certificate, errors, anchor);
        }
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(settings.Smtp.TimeoutSeconds) };
        return _client;
    }

    public override void Dispose()
    {
        _client?.Dispose();
        _anchor?.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 8301, Level = LogLevel.Warning, Message = "Webhook : notification {Id} non remise ({Reason}) ; nouvel essai plus tard.")]
    private static partial void LogRetry(ILogger logger, long id, string reason);

    [LoggerMessage(EventId = 8302, Level = LogLevel.Error, Message = "Échec de l'envoi des webhooks ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
