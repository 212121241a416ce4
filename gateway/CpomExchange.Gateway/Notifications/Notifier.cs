using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// Writes notifications to the outbox, in the caller's transaction: called where the event's own rows
/// are saved, before the commit, so that the event and its notification commit or roll back together.
/// The addresses are resolved and the message rendered now; the sender only sends. Dates are written
/// in the gateway's legal time zone, the one every decision uses (<see cref="AccessDecisions.Zone"/>).
/// </summary>
internal sealed partial class Notifier(PolicySet policies, IOptions<NotificationOptions> options, AccessDecisions decisions, TimeProvider time)
{
    private readonly TimeZoneInfo _zone = decisions.Zone;

    /// <summary>A file arrived: its recipient's agents of the roles that may download it are told.</summary>
    public Task FileReceivedAsync(CpomDbContext db, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (label, roles) = Exchange(dataset.Type, e => e.Roles.Download);
        var message = NotificationContent.Compose($"Fichier reçu : {label} de {Name(dataset.FromOrganisation)}",
            [$"{Name(dataset.FromOrganisation)} a transmis à {Name(dataset.ToOrganisation)} un fichier « {label} » le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)} : {NotificationContent.Extent(dataset.Rows, dataset.MediaType)}.",
             $"Référence du dépôt : {dataset.Id}."],
            Link(), $"cpom inbox, puis cpom status {dataset.Id}");
        return EnqueueAsync(db, NotificationEvents.FileReceived, dataset.ToOrganisation, roles, dataset.Id, null, message, cancellationToken);
    }

    /// <summary>The recipient acknowledged a file: its sender's agents are told.</summary>
    public Task FileAcknowledgedAsync(CpomDbContext db, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (label, roles) = Exchange(dataset.Type, e => e.Roles.Send);
        var message = NotificationContent.Compose($"Accusé de réception : {label} par {Name(dataset.ToOrganisation)}",
            [$"{Name(dataset.ToOrganisation)} a accusé réception le {NotificationContent.DateTime(dataset.AcknowledgedAtUtc ?? time.GetUtcNow().UtcDateTime, _zone)} du fichier « {label} » que {Name(dataset.FromOrganisation)} lui a transmis le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)} ({NotificationContent.Extent(dataset.Rows, dataset.MediaType)}).",
             $"Référence du dépôt : {dataset.Id}."],
            Link(), $"cpom status {dataset.Id}");
        return EnqueueAsync(db, NotificationEvents.FileAcknowledged, dataset.FromOrganisation, roles, dataset.Id, null, message, cancellationToken);
    }

    /// <summary>A file was withdrawn by its sender, or destroyed at the end of its retention: its recipient is told.</summary>
    public Task FileShreddedAsync(CpomDbContext db, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (label, roles) = Exchange(dataset.Type, e => e.Roles.Download);
        var withdrawn = dataset.Status == DatasetStatus.Withdrawn;
        var when = NotificationContent.DateTime(dataset.ShreddedAtUtc ?? time.GetUtcNow().UtcDateTime, _zone);
        var what = withdrawn
            ? $"{Name(dataset.FromOrganisation)} a retiré le {when} le fichier « {label} » qu'il vous avait transmis le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)} ({NotificationContent.Extent(dataset.Rows, dataset.MediaType)}) : il a été détruit et n'est plus téléchargeable."
            : $"Le fichier « {label} » transmis par {Name(dataset.FromOrganisation)} le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)} ({NotificationContent.Extent(dataset.Rows, dataset.MediaType)}) a atteint la fin de sa durée de conservation : il a été détruit le {when}.";
        var message = NotificationContent.Compose(withdrawn ? $"Fichier retiré : {label} de {Name(dataset.FromOrganisation)}" : $"Fichier détruit (fin de conservation) : {label}",
            [what, $"Référence du dépôt : {dataset.Id}."], Link(), $"cpom status {dataset.Id}");
        return EnqueueAsync(db, withdrawn ? NotificationEvents.FileWithdrawn : NotificationEvents.FileExpired, dataset.ToOrganisation, roles, dataset.Id, null,
            message, cancellationToken);
    }

    /// <summary>
    /// A person was removed from a file after withdrawing consent (RGPD art. 7(3)): its recipient is told
    /// that a new version awaits their acknowledgement (the earlier receipt no longer stands). Who was removed is never said.
    /// </summary>
    public Task NewVersionAsync(CpomDbContext db, DatasetEntity dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var (label, roles) = Exchange(dataset.Type, e => e.Roles.Download);
        var message = NotificationContent.Compose($"Nouvelle version à accuser : {label} de {Name(dataset.FromOrganisation)}",
            [$"{Name(dataset.FromOrganisation)} a retiré une personne, à sa demande (retrait du consentement), du fichier « {label} » qu'il vous avait transmis le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)}. La nouvelle version ({NotificationContent.Extent(dataset.Rows, dataset.MediaType)}) remplace la précédente, qui est détruite.",
             "Votre accusé de réception portait sur la version précédente : accusez réception de la nouvelle version.",
             $"Référence du dépôt : {dataset.Id}."],
            Link(), $"cpom status {dataset.Id}, puis cpom ack {dataset.Id}");
        return EnqueueAsync(db, NotificationEvents.FileNewVersion, dataset.ToOrganisation, roles, dataset.Id, null, message, cancellationToken);
    }

    /// <summary>
    /// Adds one message to the outbox for <paramref name="organisation"/>'s addresses of <paramref name="roles"/>
    /// (and its agents of those roles who chose <paramref name="eventName"/>), and saves it in the caller's transaction.
    /// </summary>
    public async Task EnqueueAsync(CpomDbContext db, string eventName, string organisation, IReadOnlyCollection<string> roles, string? datasetId,
        string? dedupKey, NotificationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var recipients = await NotificationRecipients.ResolveAsync(db, eventName, organisation, roles, cancellationToken);
        await EnqueueToAsync(db, eventName, organisation, recipients, datasetId, dedupKey, message, cancellationToken);
    }

    /// <summary>Adds one message to the outbox for <paramref name="recipients"/> (already resolved), and saves it in the caller's transaction.</summary>
    public async Task EnqueueToAsync(CpomDbContext db, string eventName, string organisation, IReadOnlyList<string> recipients, string? datasetId,
        string? dedupKey, NotificationMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(message);
        var now = time.GetUtcNow().UtcDateTime;
        db.Notifications.Add(new NotificationEntity
        {
            Event = eventName,
            OrganisationId = organisation,
            DatasetId = datasetId,
            DedupKey = dedupKey,
            Recipients = string.Join(',', recipients),
            Subject = message.Subject,
            TextBody = message.Text,
            HtmlBody = message.Html,
            State = recipients.Count == 0 ? NotificationStates.NoRecipient : NotificationStates.Pending,
            NextAttemptAtUtc = now,
            CreatedAtUtc = now,
        });
        if (options.Value.Webhooks.ContainsKey(organisation))
        {
            // The organisation's system is told too, through the same outbox (its own row, its own retries).
            db.Notifications.Add(new NotificationEntity
            {
                Event = eventName,
                OrganisationId = organisation,
                DatasetId = datasetId,
                DedupKey = dedupKey is null ? null : dedupKey + ":" + WebhookSender.Recipient,
                Recipients = WebhookSender.Recipient,
                Subject = message.Subject,
                TextBody = WebhookSender.Body(eventName, organisation, datasetId, now),
                HtmlBody = string.Empty,
                State = NotificationStates.Pending,
                NextAttemptAtUtc = now,
                CreatedAtUtc = now,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
    }

    private (string Label, IReadOnlyList<string> Roles) Exchange(string type, Func<ExchangeDefinition, IReadOnlyList<string>> roles) =>
        policies.Exchanges.TryGetValue(type, out var exchange) ? (exchange.Label, roles(exchange)) : (type, [Roles.Agent]);

    private string Name(string organisation) =>
        policies.Organisations.TryGetValue(organisation, out var o) ? o.Name : organisation;

    private string? Link() =>
        string.IsNullOrWhiteSpace(options.Value.ConsoleUrl) ? null : options.Value.ConsoleUrl.TrimEnd('/') + "/";
}
