using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Notifications;

/// <summary>
/// Who is told what, for every face (the API, the console page, <c>cpom notify</c> through the API):
/// an administrator sets an organisation's addresses per role; an agent of an organisation sets their
/// own address and the events they want. Each decision once here; every change logged under the
/// organisation concerned, in the transaction that makes it.
/// </summary>
internal sealed class NotificationAddressBook(CpomDbContext db, PolicySet policies, TimeProvider time, AccessJournal journal)
{
    /// <summary>The roles an organisation's address may serve (every role but the gateway's administrators').</summary>
    public static IReadOnlyList<string> AddressRoles { get; } = [.. Roles.All.Where(r => r != Roles.Admin)];

    /// <summary>The refusal of a caller who has no organisation (an administrator's own mail goes through <c>Notifications:Administrators</c>).</summary>
    public static Refusal? NoOrganisation(Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.Organisation is null ? new Refusal(ErrorCatalog.RoleNotAllowed, "Seul un agent d'une organisation reçoit des notifications.") : null;
    }

    /// <summary>The caller's own address(es).</summary>
    public async Task<IReadOnlyList<NotificationAddressInfo>> OwnAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var rows = await db.NotificationAddresses.AsNoTracking().Where(a => a.AgentId == caller.AgentId).ToListAsync(cancellationToken);
        return rows.Select(ToInfo).ToList();
    }

    /// <summary>Sets the caller's own address and events (replacing the earlier ones).</summary>
    public async Task<Outcome<IReadOnlyList<NotificationAddressInfo>>> SetOwnAsync(HttpContext http, Caller caller, OwnAddress request)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        if (NoOrganisation(caller) is { } forbidden)
        {
            return forbidden;
        }
        var address = request.Address?.Trim();
        if (address is null || !ValidAddress(address))
        {
            return new Refusal(ErrorCatalog.NotifyInvalidAddress, "Adresse (address) invalide : une adresse électronique seule (nom@domaine), 254 caractères au plus.");
        }
        if (CheckEvents(request.Events) is { } unknown)
        {
            return unknown;
        }
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            await db.NotificationAddresses.Where(a => a.AgentId == caller.AgentId).ExecuteDeleteAsync(http.RequestAborted);
            db.NotificationAddresses.Add(new NotificationAddressEntity
            {
                OrganisationId = caller.Organisation!, AgentId = caller.AgentId, Address = address, Events = Events(request.Events), UpdatedAtUtc = time.GetUtcNow().UtcDateTime,
            });
            await db.SaveChangesAsync(http.RequestAborted);
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, "adresse de notification personnelle", null, []);
            await transaction.CommitAsync(http.RequestAborted);
        }
        return Outcome<IReadOnlyList<NotificationAddressInfo>>.Ok(await OwnAsync(caller, http.RequestAborted));
    }

    /// <summary>Removes the caller's own address: they are told only through their organisation's addresses.</summary>
    public async Task DeleteOwnAsync(Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await db.NotificationAddresses.Where(a => a.AgentId == caller.AgentId).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>The addresses of one organisation, or of all (administrator).</summary>
    public async Task<Outcome<IReadOnlyList<NotificationAddressInfo>>> ListAsync(Caller caller, string? organisation, CancellationToken cancellationToken)
    {
        if (DirectoryService.NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        var query = db.NotificationAddresses.AsNoTracking();
        if (organisation is not null)
        {
            query = query.Where(a => a.OrganisationId == organisation);
        }
        var rows = await query.OrderBy(a => a.OrganisationId).ThenBy(a => a.Role).ThenBy(a => a.AgentId).ThenBy(a => a.Address).ToListAsync(cancellationToken);
        return Outcome<IReadOnlyList<NotificationAddressInfo>>.Ok(rows.Select(ToInfo).ToList());
    }

    /// <summary>Sets the addresses of <paramref name="organisation"/> for <paramref name="role"/>, replacing the earlier ones (administrator).</summary>
    public async Task<Outcome<IReadOnlyList<NotificationAddressInfo>>> SetRoleAsync(HttpContext http, Caller caller, string organisation, string role, RoleAddresses request)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        if (DirectoryService.NotAdmin(caller) is { } forbidden)
        {
            return forbidden;
        }
        if (!policies.Organisations.ContainsKey(organisation))
        {
            return new Refusal(ErrorCatalog.UnknownOrganisation, $"Organisation « {organisation} » inconnue de la politique.") { Status = 404 };
        }
        if (!AddressRoles.Contains(role))
        {
            return new Refusal(ErrorCatalog.AdminInvalidRequest, $"Rôle « {role} » inconnu : {string.Join(", ", AddressRoles)}.");
        }
        var addresses = (request.Addresses ?? []).Select(a => a.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (addresses.FirstOrDefault(a => !ValidAddress(a)) is { } bad)
        {
            return new Refusal(ErrorCatalog.NotifyInvalidAddress, $"Adresse « {bad} » invalide : une adresse électronique seule (nom@domaine), 254 caractères au plus.");
        }
        if (CheckEvents(request.Events) is { } unknown)
        {
            return unknown;
        }
        var now = time.GetUtcNow().UtcDateTime;
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            await db.NotificationAddresses.Where(a => a.OrganisationId == organisation && a.Role == role && a.AgentId == null).ExecuteDeleteAsync(http.RequestAborted);
            db.NotificationAddresses.AddRange(addresses.Select(a => new NotificationAddressEntity
            {
                OrganisationId = organisation, Role = role, Address = a, Events = Events(request.Events), UpdatedAtUtc = now,
            }));
            await db.SaveChangesAsync(http.RequestAborted);
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null,
                Truncate($"notifications {role} : {addresses.Count} adresse(s)"), null, [organisation]);
            await transaction.CommitAsync(http.RequestAborted);
        }
        var rows = await db.NotificationAddresses.AsNoTracking().Where(a => a.OrganisationId == organisation && a.Role == role && a.AgentId == null)
            .OrderBy(a => a.Address).ToListAsync(http.RequestAborted);
        return Outcome<IReadOnlyList<NotificationAddressInfo>>.Ok(rows.Select(ToInfo).ToList());
    }

    /// <summary>One bare address: no display name, no list, no line break (nothing a header could be forged with).</summary>
    internal static bool ValidAddress(string address) =>
        address.Length is > 2 and <= 254
        && !address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ';' or '<' or '>' or '"')
        && MimeKit.MailboxAddress.TryParse(address, out var parsed) && parsed.Address == address && address.IndexOf('@', StringComparison.Ordinal) > 0;

    private static Refusal? CheckEvents(IReadOnlyList<string>? events) =>
        events?.FirstOrDefault(e => !NotificationEvents.All.Contains(e)) is { } unknown
            ? new Refusal(ErrorCatalog.NotifyUnknownEvent, $"Événement « {unknown} » inconnu : {string.Join(", ", NotificationEvents.All)}.")
            : null;

    private static string? Events(IReadOnlyList<string>? events) => events is null || events.Count == 0 ? null : string.Join(',', events.Distinct());

    private static string Truncate(string text) => text.Length > 80 ? text[..80] : text;

    internal static NotificationAddressInfo ToInfo(NotificationAddressEntity a) =>
        new(a.OrganisationId, a.Role, a.AgentId, a.Address, a.Events is null ? [] : a.Events.Split(','));
}
