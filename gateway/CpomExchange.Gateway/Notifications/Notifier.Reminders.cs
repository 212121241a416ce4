using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// The reminders and the log alert: each is written at most once, under its <see cref="NotificationEntity.DedupKey"/>
/// (looked up first; the unique index refuses the second of two writers that raced). Each method returns
/// false when the reminder was already in the outbox.
/// </summary>
internal sealed partial class Notifier
{
    /// <summary>A received file nobody downloaded yet, whose retention ends on <paramref name="endsAtUtc"/>: its recipient is reminded.</summary>
    public async Task<bool> RetentionEndingAsync(CpomDbContext db, DatasetEntity dataset, DateTime endsAtUtc, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var key = $"{NotificationEvents.RetentionEnding}:{dataset.Id}";
        if (await ExistsAsync(db, key, cancellationToken))
        {
            return false;
        }
        var (label, roles) = Exchange(dataset.Type, e => e.Roles.Download);
        var message = NotificationContent.Compose($"Fichier non téléchargé, bientôt détruit : {label} de {Name(dataset.FromOrganisation)}",
            [$"{Name(dataset.FromOrganisation)} a transmis à {Name(dataset.ToOrganisation)} le {NotificationContent.DateTime(dataset.CreatedAtUtc, _zone)} un fichier « {label} » ({NotificationContent.Extent(dataset.Rows, dataset.MediaType)}) qui n'a pas encore été téléchargé.",
             $"Sa durée de conservation se termine le {NotificationContent.DateTime(endsAtUtc, _zone)} : il sera alors détruit et ne pourra plus être téléchargé.",
             $"Référence du dépôt : {dataset.Id}."],
            Link(), $"cpom download {dataset.Id} --purpose {dataset.Purpose}");
        await EnqueueAsync(db, NotificationEvents.RetentionEnding, dataset.ToOrganisation, roles, dataset.Id, key, message, cancellationToken);
        return true;
    }

    /// <summary>
    /// The annual table of <paramref name="year"/> under <paramref name="contract"/> is due on <paramref name="due"/>
    /// and not sent: the SPSTI's agents who may send it are reminded (<paramref name="daysBefore"/>: 30 or 7).
    /// </summary>
    public async Task<bool> AnnualTableDueAsync(CpomDbContext db, Contract contract, int year, DateOnly due, int daysBefore, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contract);
        var key = $"{NotificationEvents.AnnualTableDue}:{contract.Id}:{due.Year}:{daysBefore}";
        if (await ExistsAsync(db, key, cancellationToken))
        {
            return false;
        }
        var (label, roles) = Exchange(ReportingPolicy.Indicators, e => e.Roles.Send);
        var message = NotificationContent.Compose($"Tableau de suivi annuel {year} à transmettre avant le {NotificationContent.Date(due)}",
            [$"Le tableau de suivi annuel {year} du contrat « {contract.Title} » ({contract.Id}) n'a pas encore été transmis à {Name(contract.Caisse)} et à {Name(contract.Dreets)}.",
             $"Il est dû au plus tard le {NotificationContent.Date(due)} (« {label} »)."],
            Link(), $"cpom indicators --contract {contract.Id} --year {year}");
        await EnqueueAsync(db, NotificationEvents.AnnualTableDue, contract.Spsti, roles, null, key, message, cancellationToken);
        return true;
    }

    /// <summary>An agent's certificate expires on <paramref name="agent"/>'s NotAfter: the agent and the administrators are told.</summary>
    public async Task<bool> CertificateExpiringAsync(CpomDbContext db, AgentEntity agent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        // Per certificate: a renewed certificate gets its own reminder.
        var key = $"{NotificationEvents.CertificateExpiring}:{agent.Id}:{agent.CertificateSha256[..Math.Min(16, agent.CertificateSha256.Length)]}";
        if (await ExistsAsync(db, key, cancellationToken))
        {
            return false;
        }
        var organisation = agent.OrganisationId is { } o ? $"de {Name(o)}" : "d'exploitation de la passerelle";
        var message = NotificationContent.Compose($"Certificat bientôt expiré : agent {agent.Id}",
            [$"Le certificat de l'agent {agent.Id} ({organisation}) expire le {NotificationContent.DateTime(agent.CertificateNotAfterUtc, _zone)}. Passé cette date, la passerelle refusera ses connexions.",
             "Demandez un nouveau certificat à votre autorité de certification et faites-le enregistrer par un administrateur de la passerelle."],
            Link(), "cpom admin agent replace-cert (administrateurs)");
        var recipients = await NotificationRecipients.AgentAndAsync(db, NotificationEvents.CertificateExpiring, agent.Id, options.Value.Administrators, cancellationToken);
        await EnqueueToAsync(db, NotificationEvents.CertificateExpiring, agent.OrganisationId ?? GatewayOrganisation, recipients, null, key, message, cancellationToken);
        return true;
    }

    /// <summary>
    /// The nightly check of <paramref name="organisation"/>'s access log failed on <paramref name="day"/>: its DPO is told
    /// at once (the first entry in cause, never an entry's content).
    /// </summary>
    public async Task<bool> LogVerificationFailedAsync(CpomDbContext db, string organisation, DateOnly day, long? firstBadSeq, CancellationToken cancellationToken = default)
    {
        var key = $"{NotificationEvents.LogVerificationFailed}:{organisation}:{day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)}";
        if (await ExistsAsync(db, key, cancellationToken))
        {
            return false;
        }
        var message = NotificationContent.Compose($"Alerte : le journal des accès de {Name(organisation)} ne se vérifie pas",
            [$"La vérification automatique du {NotificationContent.Date(day)} du journal des accès de {Name(organisation)} a échoué"
                + (firstBadSeq is { } seq ? $" : la première entrée en cause est la n° {seq}." : "."),
             "Le journal a pu être modifié dans la base de données. Vérifiez-le vous-même et conservez vos exports signés ; prévenez l'exploitant de la passerelle."],
            Link() is { } link ? link + "Journal/Verifier" : null, "cpom audit verify");
        // The organisation's DPO addresses, and the DPO the policy designates (RGPD art. 37(7)) even when nobody set an address.
        var designated = policies.Organisations.TryGetValue(organisation, out var o) && o.Dpo is { } dpo && NotificationAddressBook.ValidAddress(dpo.Email)
            ? [dpo.Email] : Array.Empty<string>();
        var recipients = (await NotificationRecipients.ResolveAsync(db, NotificationEvents.LogVerificationFailed, organisation, [Roles.Dpo], cancellationToken))
            .Concat(designated).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase).ToList();
        await EnqueueToAsync(db, NotificationEvents.LogVerificationFailed, organisation, recipients, null, key, message, cancellationToken);
        return true;
    }

    /// <summary>The organisation of an outbox row about the gateway's own operators (who belong to none).</summary>
    public const string GatewayOrganisation = "passerelle";

    private static Task<bool> ExistsAsync(CpomDbContext db, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Notifications.AsNoTracking().AnyAsync(n => n.DedupKey == key, cancellationToken);
    }
}
