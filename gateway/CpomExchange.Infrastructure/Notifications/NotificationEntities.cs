using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Infrastructure.Notifications;

/// <summary>
/// One message of the outbox: written in the transaction of the event that causes it (an upload,
/// an acknowledgement, a withdrawal...), rendered then and there, sent later by the background sender.
/// It never holds a cell of a file: only the exchange, the organisations, the date, the row count.
/// </summary>
public sealed class NotificationEntity
{
    /// <summary>The outbox's sequence number.</summary>
    public long Id { get; set; }

    /// <summary>The event (<see cref="NotificationEvents"/>).</summary>
    public required string Event { get; set; }

    /// <summary>The organisation told.</summary>
    public required string OrganisationId { get; set; }

    /// <summary>The dataset concerned, if any (the gateway's own identifier, never a file's content).</summary>
    public string? DatasetId { get; set; }

    /// <summary>
    /// What makes a reminder unique (<c>annual-table-due:cpom-x:2026:30</c>): a second instance's
    /// round that would write the same reminder fails on the unique index. Null for events.
    /// </summary>
    public string? DedupKey { get; set; }

    /// <summary>The addresses, comma-separated, resolved when the event happened.</summary>
    public required string Recipients { get; set; }

    /// <summary>The subject line.</summary>
    public required string Subject { get; set; }

    /// <summary>The plain-text part.</summary>
    public required string TextBody { get; set; }

    /// <summary>The HTML part.</summary>
    public required string HtmlBody { get; set; }

    /// <summary>The state (<see cref="NotificationStates"/>).</summary>
    public string State { get; set; } = NotificationStates.Pending;

    /// <summary>How many times the sender tried.</summary>
    public int Attempts { get; set; }

    /// <summary>Not before (UTC): the back-off after a failed attempt.</summary>
    public DateTime NextAttemptAtUtc { get; set; }

    /// <summary>When the event happened (UTC).</summary>
    public DateTime CreatedAtUtc { get; set; }

    /// <summary>When the SMTP server accepted the message (UTC).</summary>
    public DateTime? SentAtUtc { get; set; }

    /// <summary>Why the last attempt failed (the server's answer, never a password).</summary>
    public string? LastError { get; set; }

    /// <summary>The sender instance that put it in <see cref="NotificationStates.Sending"/>.</summary>
    public string? SendingBy { get; set; }
}

/// <summary>
/// An address to tell: an organisation's for a role (<see cref="Role"/> set, <see cref="AgentId"/>
/// null), or an agent's own (<see cref="AgentId"/> set), with the events chosen.
/// </summary>
public sealed class NotificationAddressEntity
{
    /// <summary>The row's identifier.</summary>
    public long Id { get; set; }

    /// <summary>The organisation.</summary>
    public required string OrganisationId { get; set; }

    /// <summary>The role the address serves (<c>agent</c>, <c>pdp</c>, <c>dpo</c>...), for an organisation's address.</summary>
    public string? Role { get; set; }

    /// <summary>The agent, for an agent's own address.</summary>
    public string? AgentId { get; set; }

    /// <summary>The e-mail address.</summary>
    public required string Address { get; set; }

    /// <summary>The events chosen, comma-separated; null: every event of the role.</summary>
    public string? Events { get; set; }

    /// <summary>When it was set (UTC).</summary>
    public DateTime UpdatedAtUtc { get; set; }
}

/// <summary>The states of an outbox message.</summary>
public static class NotificationStates
{
    /// <summary>Waiting for the sender (first attempt, or a retry after <see cref="NotificationEntity.NextAttemptAtUtc"/>).</summary>
    public const string Pending = "pending";

    /// <summary>Being handed to the SMTP server right now.</summary>
    public const string Sending = "sending";

    /// <summary>Accepted by the SMTP server: never sent again.</summary>
    public const string Sent = "sent";

    /// <summary>Refused for good by the SMTP server (5xx): an administrator looks.</summary>
    public const string Rejected = "rejected";

    /// <summary>
    /// The sender stopped while the server had the message and before it answered: it may have been
    /// accepted, so it is not sent again on its own (never twice); an administrator decides.
    /// </summary>
    public const string Uncertain = "uncertain";

    /// <summary>Nobody to tell (no address for the organisation and role): kept so the administrator sees it.</summary>
    public const string NoRecipient = "no-recipient";
}

/// <summary>The events people can be told of.</summary>
public static class NotificationEvents
{
    public const string FileReceived = "file-received";
    public const string FileAcknowledged = "file-acknowledged";
    public const string FileWithdrawn = "file-withdrawn";
    public const string FileExpired = "file-expired";

    /// <summary>A person was removed from a file (consent withdrawn): a new version awaits the recipient's acknowledgement.</summary>
    public const string FileNewVersion = "file-new-version";
    public const string RetentionEnding = "retention-ending";
    public const string AnnualTableDue = "annual-table-due";
    public const string CertificateExpiring = "certificate-expiring";
    public const string LogVerificationFailed = "log-verification-failed";

    /// <summary>Every event, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [FileReceived, FileAcknowledged, FileWithdrawn, FileExpired, FileNewVersion, RetentionEnding, AnnualTableDue, CertificateExpiring, LogVerificationFailed];
}

/// <summary>The notification tables in the model (called from <c>CpomDbContext.OnModelCreating</c>).</summary>
public static class NotificationModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        var outbox = modelBuilder.Entity<NotificationEntity>();
        outbox.ToTable("notify_outbox");
        outbox.HasKey(n => n.Id);
        outbox.Property(n => n.Event).HasMaxLength(40);
        outbox.Property(n => n.OrganisationId).HasMaxLength(100);
        outbox.Property(n => n.DatasetId).HasMaxLength(64);
        outbox.Property(n => n.DedupKey).HasMaxLength(200);
        outbox.Property(n => n.Recipients).HasMaxLength(4000);
        outbox.Property(n => n.Subject).HasMaxLength(300);
        outbox.Property(n => n.State).HasMaxLength(16);
        outbox.Property(n => n.LastError).HasMaxLength(500);
        outbox.Property(n => n.SendingBy).HasMaxLength(200);
        outbox.HasIndex(n => new { n.State, n.NextAttemptAtUtc });
        outbox.HasIndex(n => n.DedupKey).IsUnique();

        var address = modelBuilder.Entity<NotificationAddressEntity>();
        address.ToTable("notify_addresses");
        address.HasKey(a => a.Id);
        address.Property(a => a.OrganisationId).HasMaxLength(100);
        address.Property(a => a.Role).HasMaxLength(32);
        address.Property(a => a.AgentId).HasMaxLength(100);
        address.Property(a => a.Address).HasMaxLength(254);
        address.Property(a => a.Events).HasMaxLength(400);
        address.HasIndex(a => new { a.OrganisationId, a.Role });
        address.HasIndex(a => a.AgentId);
    }
}
