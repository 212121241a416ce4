using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Admin;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Notifications;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Notifications;

/// <summary>An address as the API shows it.</summary>
public sealed record NotificationAddressInfo(string Organisation, string? Role, string? AgentId, string Address, IReadOnlyList<string> Events);

/// <summary>The addresses.</summary>
public sealed record NotificationAddressList(IReadOnlyList<NotificationAddressInfo> Addresses);

/// <summary>The addresses of an organisation for a role (replacing the earlier ones); <c>Events</c> empty or absent: every event.</summary>
public sealed record RoleAddresses(IReadOnlyList<string>? Addresses, IReadOnlyList<string>? Events);

/// <summary>An agent's own address and the events they want (empty or absent: every event of their roles).</summary>
public sealed record OwnAddress(string? Address, IReadOnlyList<string>? Events);

/// <summary>A message of the outbox as the administrator sees it (no body: the subject tells what it is).</summary>
public sealed record NotificationInfo(long Id, string Event, string Organisation, string? DatasetId, IReadOnlyList<string> Recipients, string Subject,
    string State, int Attempts, DateTime CreatedAt, DateTime NextAttemptAt, DateTime? SentAt, string? LastError);

/// <summary>The outbox.</summary>
public sealed record NotificationList(IReadOnlyList<NotificationInfo> Notifications);

/// <summary>
/// Who is told what: an administrator sets each organisation's addresses per role and sees the outbox
/// (<c>/admin/notifications</c>); an agent sets their own address and events (<c>/me/notifications</c>).
/// Every change is logged under the organisation concerned.
/// </summary>
internal static class NotificationsApi
{
    public static RouteGroupBuilder MapNotificationsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/admin/notifications", ListAsync);
        api.MapPost("/admin/notifications/{id:long}/retry", RetryAsync);
        api.MapGet("/admin/notifications/addresses", AddressesAsync);
        api.MapPut("/admin/notifications/addresses/{organisation}/{role}", SetRoleAddressesAsync);
        api.MapGet("/me/notifications", OwnAsync);
        api.MapPut("/me/notifications", SetOwnAsync);
        api.MapDelete("/me/notifications", DeleteOwnAsync);
        return api;
    }

    private static async Task<Results<Ok<NotificationList>, ProblemHttpResult>> ListAsync(HttpContext http, CpomDbContext db, string? state = null,
        string? organisation = null, int limit = 100)
    {
        if (AdminApi.Forbidden(Caller.From(http.User)) is { } forbidden)
        {
            return forbidden;
        }
        var query = db.Notifications.AsNoTracking();
        if (state is not null)
        {
            query = query.Where(n => n.State == state);
        }
        if (organisation is not null)
        {
            query = query.Where(n => n.OrganisationId == organisation);
        }
        var rows = await query.OrderByDescending(n => n.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(http.RequestAborted);
        return TypedResults.Ok(new NotificationList(rows.Select(ToInfo).ToList()));
    }

    /// <summary>An administrator sends again a message the relay refused or whose delivery is uncertain.</summary>
    private static async Task<Results<Ok<NotificationInfo>, ProblemHttpResult>> RetryAsync(long id, HttpContext http, CpomDbContext db, TimeProvider time, AccessJournal journal)
    {
        var caller = Caller.From(http.User);
        if (AdminApi.Forbidden(caller) is { } forbidden)
        {
            return forbidden;
        }
        var row = await db.Notifications.SingleOrDefaultAsync(n => n.Id == id, http.RequestAborted);
        if (row is null || row.State is not (NotificationStates.Uncertain or NotificationStates.Rejected))
        {
            return Problem.Of(404, ErrorCatalog.NotifyNotFound, $"Aucune notification {id} refusée ou à l'envoi incertain.");
        }
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            row.State = NotificationStates.Pending;
            row.NextAttemptAtUtc = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(http.RequestAborted);
            await journal.RecordAsync(http, caller, LogActions.AdminChange, null, null, null, null, null, $"notification {id} renvoyée", null, [row.OrganisationId]);
            await transaction.CommitAsync(http.RequestAborted);
        }
        return TypedResults.Ok(ToInfo(row));
    }

    private static async Task<Results<Ok<NotificationAddressList>, ProblemHttpResult>> AddressesAsync(HttpContext http, NotificationAddressBook book, string? organisation = null)
    {
        var listed = await book.ListAsync(Caller.From(http.User), organisation, http.RequestAborted);
        return listed.Succeeded ? TypedResults.Ok(new NotificationAddressList(listed.Value)) : listed.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<NotificationAddressList>, ProblemHttpResult>> SetRoleAddressesAsync(string organisation, string role, RoleAddresses request,
        HttpContext http, NotificationAddressBook book)
    {
        var set = await book.SetRoleAsync(http, Caller.From(http.User), organisation, role, request);
        return set.Succeeded ? TypedResults.Ok(new NotificationAddressList(set.Value)) : set.Refusal.ToProblem();
    }

    private static async Task<Ok<NotificationAddressList>> OwnAsync(HttpContext http, NotificationAddressBook book) =>
        TypedResults.Ok(new NotificationAddressList(await book.OwnAsync(Caller.From(http.User), http.RequestAborted)));

    private static async Task<Results<Ok<NotificationAddressList>, ProblemHttpResult>> SetOwnAsync(OwnAddress request, HttpContext http, NotificationAddressBook book)
    {
        var set = await book.SetOwnAsync(http, Caller.From(http.User), request);
        return set.Succeeded ? TypedResults.Ok(new NotificationAddressList(set.Value)) : set.Refusal.ToProblem();
    }

    private static async Task<Ok<NotificationAddressList>> DeleteOwnAsync(HttpContext http, NotificationAddressBook book)
    {
        await book.DeleteOwnAsync(Caller.From(http.User), http.RequestAborted);
        return TypedResults.Ok(new NotificationAddressList([]));
    }

    /// <summary>One bare address (see <see cref="NotificationAddressBook.ValidAddress"/>).</summary>
    internal static bool ValidAddress(string address) => NotificationAddressBook.ValidAddress(address);

    private static NotificationInfo ToInfo(NotificationEntity n) => new(n.Id, n.Event, n.OrganisationId, n.DatasetId,
        n.Recipients.Split(',', StringSplitOptions.RemoveEmptyEntries), n.Subject, n.State, n.Attempts,
        DateTime.SpecifyKind(n.CreatedAtUtc, DateTimeKind.Utc), DateTime.SpecifyKind(n.NextAttemptAtUtc, DateTimeKind.Utc),
        n.SentAtUtc is { } sent ? DateTime.SpecifyKind(sent, DateTimeKind.Utc) : null, n.LastError);
}
