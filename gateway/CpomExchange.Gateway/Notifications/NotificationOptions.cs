using System.Net;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>Section <c>Notifications</c>: the SMTP relay, the sender's address, the console's address for the links.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>The relay; none: notifications are written to the outbox and wait (nothing is lost).</summary>
    public SmtpSettings Smtp { get; set; } = new();

    /// <summary>The <c>From</c> address (required with a relay).</summary>
    public string? From { get; set; }

    /// <summary>The console's address, for the links in the messages (<c>https://cpom.example.fr/</c>).</summary>
    public string? ConsoleUrl { get; set; }

    /// <summary>How often the sender looks at the outbox, in seconds.</summary>
    public int PollSeconds { get; set; } = 10;

    /// <summary>The first retry's delay, in seconds; each next one doubles, up to <see cref="RetryMaxSeconds"/>.</summary>
    public int RetryBaseSeconds { get; set; } = 30;

    /// <summary>The longest delay between two attempts, in seconds.</summary>
    public int RetryMaxSeconds { get; set; } = 3600;

    /// <summary>How many messages one round sends at most.</summary>
    public int BatchSize { get; set; } = 50;

    /// <summary>
    /// The gateway's administrators' addresses (<c>Notifications:Administrators:0</c>...): told of every
    /// certificate about to expire. Administrators belong to no organisation, so their address is a setting.
    /// </summary>
    public List<string> Administrators { get; set; } = [];

    /// <summary>
    /// Optional webhooks, per organisation (<c>Notifications:Webhooks:carsat-lr:Url</c>, <c>:Secret</c>): every
    /// message to that organisation is also posted, signed, to its system (same outbox, same retries).
    /// </summary>
    public Dictionary<string, WebhookSettings> Webhooks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A PEM file of the authority the webhooks' servers chain to (a private CA); empty: the system's.</summary>
    public string? WebhookTrustAnchor { get; set; }

    /// <summary>Section <c>Notifications:Reminders</c>: the scheduled reminders.</summary>
    public ReminderSettings Reminders { get; set; } = new();

    /// <summary>Section <c>Notifications:LogCheck</c>: the nightly verification of every organisation's access log.</summary>
    public LogCheckSettings LogCheck { get; set; } = new();
}

/// <summary>An organisation's webhook.</summary>
public sealed class WebhookSettings
{
    /// <summary>The <c>https://</c> address the gateway posts to.</summary>
    public Uri? Url { get; set; }

    /// <summary>The shared secret of the HMAC-SHA-256 signature (32 characters at least; from the environment).</summary>
    public string? Secret { get; set; }
}

/// <summary>Section <c>Notifications:Reminders</c>.</summary>
public sealed class ReminderSettings
{
    /// <summary>Whether the reminders run on their own (a test may run their rounds itself).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often one instance (the lease's holder) looks for reminders due, in seconds.</summary>
    public int CheckEverySeconds { get; set; } = 3600;

    /// <summary>A received file not yet downloaded: its recipient is reminded this many days before its retention ends.</summary>
    public int RetentionDaysBefore { get; set; } = 7;

    /// <summary>A certificate: its agent and the administrators are told this many days before it expires.</summary>
    public int CertificateDaysBefore { get; set; } = 30;
}

/// <summary>Section <c>Notifications:LogCheck</c>.</summary>
public sealed class LogCheckSettings
{
    /// <summary>Whether the nightly check runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The time of day it runs, in <c>Cpom:TimeZone</c>, <c>HH:mm</c> (off-peak).</summary>
    public string At { get; set; } = "03:30";

    /// <summary>How often each instance looks whether the check is due, in seconds.</summary>
    public int PollSeconds { get; set; } = 60;

    /// <summary>
    /// Between nights, each instance checks every log from the last signed checkpoint it verified, this often
    /// in minutes (its first round comes one interval after the start, in full if nothing was verified since); 0: only the night's full check.
    /// </summary>
    public int IncrementalEveryMinutes { get; set; } = 60;

    /// <summary>The time of day as a <see cref="TimeOnly"/>, or null when <see cref="At"/> is not <c>HH:mm</c>.</summary>
    public TimeOnly? Time => TimeOnly.TryParseExact(At, "HH:mm", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var t) ? t : null;
}

/// <summary>Section <c>Notifications:Smtp</c>.</summary>
public sealed class SmtpSettings
{
    /// <summary>The relay's host name; empty: no sending.</summary>
    public string? Host { get; set; }

    /// <summary>The relay's port (587 for submission with STARTTLS).</summary>
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (required, the default), <c>SslOnConnect</c> (port 465), or <c>None</c> (only for a relay on the loopback).</summary>
    public string Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>The account, if the relay asks for one (the password comes from the environment: <c>Notifications__Smtp__Password</c>).</summary>
    public string? UserName { get; set; }

    /// <summary>The password; from the environment, never from a file in the repository.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of the authority the relay's certificate must chain to (a private relay); empty: the system's.</summary>
    public string? TrustAnchor { get; set; }

    /// <summary>How long one connection may take, in seconds.</summary>
    public int TimeoutSeconds { get; set; } = 30;
}

/// <summary>The values of <see cref="SmtpSettings.Security"/>.</summary>
public static class SmtpSecurity
{
    public const string StartTls = "StartTls";
    public const string SslOnConnect = "SslOnConnect";
    public const string None = "None";
}

/// <summary>Refuses to start with settings that would send in clear over a network or to nowhere: says which.</summary>
internal sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        var smtp = options.Smtp;
        if (smtp.Security is not (SmtpSecurity.StartTls or SmtpSecurity.SslOnConnect or SmtpSecurity.None))
        {
            errors.Add($"Notifications:Smtp:Security « {smtp.Security} » inconnu : StartTls, SslOnConnect ou None.");
        }
        if (!string.IsNullOrWhiteSpace(smtp.Host))
        {
            if (smtp.Port is < 1 or > 65535)
            {
                errors.Add($"Notifications:Smtp:Port {smtp.Port} invalide (1 à 65535).");
            }
            if (smtp.Security == SmtpSecurity.None && !IsLoopback(smtp.Host))
            {
                errors.Add($"Notifications:Smtp:Security=None n'est permis que pour un relais sur la boucle locale, pas « {smtp.Host} » : utilisez StartTls.");
            }
            if (string.IsNullOrWhiteSpace(options.From) || !MimeKit.MailboxAddress.TryParse(options.From, out _))
            {
                errors.Add("Notifications:From (adresse de l'expéditeur) est requis avec Notifications:Smtp:Host.");
            }
            if (!string.IsNullOrEmpty(smtp.UserName) && string.IsNullOrEmpty(smtp.Password))
            {
                errors.Add("Notifications:Smtp:Password est requis avec Notifications:Smtp:UserName (variable d'environnement Notifications__Smtp__Password).");
            }
            if (!string.IsNullOrWhiteSpace(smtp.TrustAnchor) && !File.Exists(smtp.TrustAnchor))
            {
                errors.Add($"Notifications:Smtp:TrustAnchor : fichier introuvable ({smtp.TrustAnchor}).");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.ConsoleUrl)
            && (!Uri.TryCreate(options.ConsoleUrl, UriKind.Absolute, out var console) || console.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add($"Notifications:ConsoleUrl « {options.ConsoleUrl} » doit être une adresse https:// absolue.");
        }
        foreach (var (organisation, hook) in options.Webhooks)
        {
            if (hook.Url is not { IsAbsoluteUri: true } url || url.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"Notifications:Webhooks:{organisation}:Url doit être une adresse https:// absolue.");
            }
            if (hook.Secret is not { Length: >= 32 })
            {
                errors.Add($"Notifications:Webhooks:{organisation}:Secret : 32 caractères au moins (variable d'environnement Notifications__Webhooks__{organisation}__Secret).");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.WebhookTrustAnchor) && !File.Exists(options.WebhookTrustAnchor))
        {
            errors.Add($"Notifications:WebhookTrustAnchor : fichier introuvable ({options.WebhookTrustAnchor}).");
        }
        if (options.Administrators.FirstOrDefault(a => !NotificationsApi.ValidAddress(a)) is { } admin)
        {
            errors.Add($"Notifications:Administrators : adresse « {admin} » invalide (une adresse électronique seule).");
        }
        var reminders = options.Reminders;
        if (reminders.CheckEverySeconds < 1 || reminders.RetentionDaysBefore < 1 || reminders.CertificateDaysBefore < 1)
        {
            errors.Add("Notifications:Reminders : CheckEverySeconds, RetentionDaysBefore et CertificateDaysBefore doivent être positifs.");
        }
        if (options.LogCheck.Time is null || options.LogCheck.PollSeconds < 1 || options.LogCheck.IncrementalEveryMinutes < 0)
        {
            errors.Add($"Notifications:LogCheck : At « {options.LogCheck.At} » doit être une heure HH:mm, PollSeconds positif et IncrementalEveryMinutes positif ou nul.");
        }
        if (options.PollSeconds < 1 || options.RetryBaseSeconds < 1 || options.RetryMaxSeconds < options.RetryBaseSeconds || options.BatchSize < 1)
        {
            errors.Add("Notifications : PollSeconds, RetryBaseSeconds et BatchSize doivent être positifs, RetryMaxSeconds au moins RetryBaseSeconds.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
