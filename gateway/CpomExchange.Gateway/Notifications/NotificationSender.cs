using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// Sends the outbox over SMTP, on every instance in rounds (<c>Notifications:PollSeconds</c>); the
/// instance holding the <see cref="LeaseName"/> lease sends. A message is put in
/// <see cref="NotificationStates.Sending"/> by a conditional update before it is handed to the
/// server (only one sender can make that change), and <see cref="NotificationStates.Sent"/> once the
/// server accepted it: never sent again. A server that cannot be reached or answers 4xx: retried with
/// back-off. 5xx: <see cref="NotificationStates.Rejected"/>. A sender stopped between handing a message
/// over and the answer leaves it <see cref="NotificationStates.Sending"/>; the next round marks it
/// <see cref="NotificationStates.Uncertain"/> (perhaps accepted: never re-sent on its own).
/// </summary>
internal sealed partial class NotificationSender(IServiceScopeFactory scopes, IOptions<NotificationOptions> options, TimeProvider time,
    GatewayInstance instance, ILogger<NotificationSender> logger) : BackgroundService
{
    /// <summary>The lease of the sender.</summary>
    public const string LeaseName = "notification-sender";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.Smtp.Host))
        {
            LogNoRelay(logger);
            return;
        }
        var period = TimeSpan.FromSeconds(settings.PollSeconds);
        await PeriodicRounds.RunAsync(period, time, ct => RoundAsync(settings, period, ct), e => LogFailed(logger, e), stoppingToken);
    }

    /// <summary>One round: takes the lease, settles what a stopped sender left, sends what is due.</summary>
    internal async Task RoundAsync(NotificationOptions settings, TimeSpan period, CancellationToken cancellationToken)
    {
        await using var leaseScope = scopes.CreateAsyncScope();
        var leaseDb = leaseScope.ServiceProvider.GetRequiredService<CpomDbContext>();
        var duration = TimeSpan.FromSeconds(Math.Max(60, period.TotalSeconds * 4));
        if (!await Leases.TryAcquireAsync(leaseDb, LeaseName, instance.Id, duration, time.GetUtcNow().UtcDateTime, cancellationToken))
        {
            return;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CpomDbContext>();
        // Only this round sends now (the lease): a message still "sending" was left by a sender that stopped or lost the lease.
        var left = await db.Notifications.Where(n => n.State == NotificationStates.Sending && n.Recipients != WebhookSender.Recipient)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.State, NotificationStates.Uncertain)
                .SetProperty(n => n.LastError, "Envoi interrompu avant la réponse du serveur : peut-être reçu, non renvoyé."), cancellationToken);
        if (left > 0)
        {
            LogUncertain(logger, left);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var due = await db.Notifications.AsNoTracking()
            .Where(n => n.State == NotificationStates.Pending && n.NextAttemptAtUtc <= now && n.Recipients != WebhookSender.Recipient)
            .OrderBy(n => n.Id).Take(settings.BatchSize).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return;
        }
        using var client = new SmtpClient { Timeout = settings.Smtp.TimeoutSeconds * 1000 };
        // Loaded for this round's connection and disposed with it (the callback runs only during the handshake).
        using var anchor = string.IsNullOrWhiteSpace(settings.Smtp.TrustAnchor) ? null : X509CertificateLoader.LoadCertificateFromFile(settings.Smtp.TrustAnchor);
        if (anchor is { } trusted)
        {
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) => ChainsTo(certificate, errors, trusted);
        }
        try
        {
            await client.ConnectAsync(settings.Smtp.Host!, settings.Smtp.Port, Socket(settings.Smtp.Security), cancellationToken);
            if (!string.IsNullOrEmpty(settings.Smtp.UserName))
            {
                await client.AuthenticateAsync(settings.Smtp.UserName, settings.Smtp.Password ?? string.Empty, cancellationToken);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing was handed over: every due message waits for its next attempt.
            LogRelayDown(logger, settings.Smtp.Host!, settings.Smtp.Port, e.Message);
            foreach (var n in due)
            {
                await RetryLaterAsync(db, n.Id, n.Attempts + 1, settings, Shorten($"Relais injoignable : {e.Message}"), NotificationStates.Pending, cancellationToken);
            }
            return;
        }
        var from = MailboxAddress.Parse(settings.From!);
        foreach (var n in due)
        {
            if (!await Leases.TryAcquireAsync(leaseDb, LeaseName, instance.Id, duration, time.GetUtcNow().UtcDateTime, cancellationToken))
            {
                break;
            }
            // The claim: one conditional update, so that no other sender can have the same message.
            var claimed = await db.Notifications.Where(x => x.Id == n.Id && x.State == NotificationStates.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationStates.Sending).SetProperty(x => x.SendingBy, instance.Id)
                    .SetProperty(x => x.Attempts, x => x.Attempts + 1), cancellationToken);
            if (claimed != 1)
            {
                continue;
            }
            try
            {
                // The addresses go in the envelope only: colleagues told of the same event never see each other's address.
                await client.SendAsync(ToMime(n, from), from, Recipients(n), CancellationToken.None);
            }
            catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
            {
                await SettleAsync(db, n.Id, NotificationStates.Rejected, null, Shorten($"Refusé par le relais ({(int)e.StatusCode}) : {e.Message}"), cancellationToken);
                LogRejected(logger, n.Id, (int)e.StatusCode);
                continue;
            }
            catch (Exception e) when (e is SmtpCommandException or ServiceNotConnectedException or ServiceNotAuthenticatedException)
            {
                // The server answered no (4xx) or the connection was gone before the message was handed over.
                await RetryLaterAsync(db, n.Id, n.Attempts + 1, settings, Shorten(e.Message), NotificationStates.Sending, cancellationToken);
                break;
            }
            catch (Exception e)
            {
                // The connection broke while the server had the message: perhaps accepted. Never sent twice.
                await SettleAsync(db, n.Id, NotificationStates.Uncertain, null, Shorten($"Connexion rompue pendant l'envoi : {e.Message}"), cancellationToken);
                LogUncertain(logger, 1);
                break;
            }
            await SettleAsync(db, n.Id, NotificationStates.Sent, time.GetUtcNow().UtcDateTime, null, CancellationToken.None);
            LogSent(logger, n.Id, n.Event);
        }
        if (client.IsConnected)
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
    }

    internal static Task SettleAsync(CpomDbContext db, long id, string state, DateTime? sentAt, string? error, CancellationToken cancellationToken) =>
        // From "sending", or from "uncertain" when a new holder judged this sender gone while it was still at work.
        db.Notifications.Where(x => x.Id == id && (x.State == NotificationStates.Sending || x.State == NotificationStates.Uncertain))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, state).SetProperty(x => x.SentAtUtc, sentAt).SetProperty(x => x.LastError, error)
                .SetProperty(x => x.SendingBy, (string?)null), cancellationToken);

    private async Task RetryLaterAsync(CpomDbContext db, long id, int attempts, NotificationOptions settings, string error, string fromState, CancellationToken cancellationToken)
    {
        var next = time.GetUtcNow().UtcDateTime + Backoff(attempts, settings);
        await db.Notifications.Where(x => x.Id == id && x.State == fromState)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, NotificationStates.Pending).SetProperty(x => x.Attempts, attempts)
                .SetProperty(x => x.NextAttemptAtUtc, next).SetProperty(x => x.LastError, error).SetProperty(x => x.SendingBy, (string?)null), cancellationToken);
    }

    /// <summary>The delay after <paramref name="attempts"/> failed attempts: doubles from the base, up to the maximum.</summary>
    internal static TimeSpan Backoff(int attempts, NotificationOptions settings)
    {
        var seconds = settings.RetryBaseSeconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        return TimeSpan.FromSeconds(Math.Min(seconds, settings.RetryMaxSeconds));
    }

    private static MimeMessage ToMime(NotificationEntity n, MailboxAddress from)
    {
        var message = new MimeMessage();
        message.From.Add(from);
        // An empty group (RFC 5322 §3.4, "undisclosed recipients"): the header names nobody; the envelope (RCPT TO) carries the addresses.
        message.To.Add(new GroupAddress(UndisclosedRecipients));
        message.Subject = n.Subject;
        // The same identifier at every attempt: a relay that deduplicates sees one message.
        // Letters only after the sequence number: no run of digits a reader (or a scanner) could take for a SIRET.
        message.MessageId = $"notification-{n.Id}-{Letters(n.CreatedAtUtc.Ticks)}@{from.Domain}";
        message.Date = new DateTimeOffset(DateTime.SpecifyKind(n.CreatedAtUtc, DateTimeKind.Utc));
        message.Headers.Add("X-Cpom-Event", n.Event);
        message.Body = new BodyBuilder { TextBody = n.TextBody, HtmlBody = n.HtmlBody }.ToMessageBody();
        return message;
    }

    /// <summary>The display name of the empty <c>To</c> group.</summary>
    internal const string UndisclosedRecipients = "Destinataires non divulgués";

    private static List<MailboxAddress> Recipients(NotificationEntity n) =>
        n.Recipients.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(MailboxAddress.Parse).ToList();

    private static string Letters(long value) =>
        string.Concat(value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture).Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16))));

    private static SecureSocketOptions Socket(string security) => security switch
    {
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.None => SecureSocketOptions.None,
        // Never "opportunistic": without STARTTLS the connection fails.
        _ => SecureSocketOptions.StartTls,
    };

    internal static bool ChainsTo(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 anchor)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(server);
    }

    private static string Shorten(string text) => text.Length > 480 ? text[..480] : text;

    [LoggerMessage(EventId = 8001, Level = LogLevel.Information, Message = "Notification {Id} ({Event}) remise au relais SMTP.")]
    private static partial void LogSent(ILogger logger, long id, string @event);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Relais SMTP {Host}:{Port} injoignable ({Reason}) : les notifications attendent le prochain essai.")]
    private static partial void LogRelayDown(ILogger logger, string host, int port, string reason);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Notification {Id} refusée définitivement par le relais SMTP (code {Code}).")]
    private static partial void LogRejected(ILogger logger, long id, int code);

    [LoggerMessage(EventId = 8004, Level = LogLevel.Warning, Message = "{Count} notification(s) interrompue(s) pendant l'envoi : état « uncertain », non renvoyée(s) automatiquement.")]
    private static partial void LogUncertain(ILogger logger, int count);

    [LoggerMessage(EventId = 8005, Level = LogLevel.Information, Message = "Notifications : aucun relais SMTP configuré (Notifications:Smtp:Host) ; les messages restent dans la file d'envoi.")]
    private static partial void LogNoRelay(ILogger logger);

    [LoggerMessage(EventId = 8006, Level = LogLevel.Error, Message = "Échec de l'envoi des notifications ; nouvel essai au prochain passage.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
