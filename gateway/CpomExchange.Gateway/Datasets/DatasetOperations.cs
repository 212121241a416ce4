using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Datasets;

/// <summary>What an operation gives: its value, or the refusal to answer (already logged).</summary>
internal readonly record struct OperationOutcome<T>(T? Value, ProblemHttpResult? Refusal)
    where T : class
{
    public static implicit operator OperationOutcome<T>(ProblemHttpResult refusal) => new(null, refusal);

    public static implicit operator OperationOutcome<T>(T value) => new(value, null);
}

/// <summary>A dataset's metadata and its history in the caller's organisation's access log.</summary>
internal sealed record DatasetDetails(DatasetInfo Info, IReadOnlyList<AccessLogEntry> History);

/// <summary>
/// The operations on stored datasets, for every face of the gateway: the API's handlers and the
/// console's pages call these, never a copy. Each one takes the caller from the request, asks the
/// policy through <see cref="AccessDecisions"/>, and logs what it did or refused under each data
/// controller concerned, before it answers. Deny by default: a refusal is a problem to answer, already
/// logged; what a listing's policy does not cover is left out of it, not refused.
/// </summary>
internal sealed partial class DatasetOperations(AccessDecisions decisions, AccessJournal journal, PolicySet policies, CpomDbContext db,
    IKeyProvider keys, IPayloadStore store, AccessLogReader logs, DatasetShredder shredder, TimeProvider time, ILogger<DatasetOperations> logger)
{
    /// <summary>The most datasets one listing returns, newest first.</summary>
    public const int ListingLimit = 1000;

    /// <summary>
    /// The datasets addressed to the caller's organisation that the caller's roles may list (filtering,
    /// not refusing), newest first, at most <see cref="ListingLimit"/>. Listing reads metadata, not data:
    /// the purpose is optional, checked and logged when given; an unknown one is refused.
    /// </summary>
    public Task<OperationOutcome<IReadOnlyList<DatasetInfo>>> InboxAsync(HttpContext http, string? purpose, string? caseObject, DatasetFilter? filter = null) =>
        ListAsync(http, purpose, caseObject, filter, received: true);

    /// <summary>
    /// The datasets the caller's organisation sent, that the caller's roles may see as their sender
    /// (the decision of a sender's metadata read), newest first, at most <see cref="ListingLimit"/>;
    /// logged as a listing.
    /// </summary>
    public Task<OperationOutcome<IReadOnlyList<DatasetInfo>>> OutboxAsync(HttpContext http, string? purpose, string? caseObject, DatasetFilter? filter = null) =>
        ListAsync(http, purpose, caseObject, filter, received: false);

    private async Task<OperationOutcome<IReadOnlyList<DatasetInfo>>> ListAsync(HttpContext http, string? purpose, string? caseObject, DatasetFilter? filter, bool received)
    {
        if (RequestInputs.Check(policies, purpose, purposeRequired: false, caseObject) is { } bad)
        {
            return bad;
        }
        var caller = Caller.From(http.User);
        List<DatasetEntity> rows = [];
        if (caller.Organisation is not null)
        {
            rows = await ListedRowsAsync(db, caller.Organisation, filter, received, http.RequestAborted);
        }
        var visible = new List<DatasetInfo>();
        var allowed = new Dictionary<(string, string), bool>();
        foreach (var row in rows)
        {
            var counterpart = received ? row.FromOrganisation : row.ToOrganisation;
            var key = (row.Type, counterpart);
            if (!allowed.TryGetValue(key, out var ok))
            {
                // Filtering, not refusing: what the caller's roles do not cover is simply not listed.
                var request = received
                    ? new AccessRequest(caller.Roles, caller.Organisation, DataAction.List, row.Type, counterpart, purpose, decisions.Today)
                    : new AccessRequest(caller.Roles, caller.Organisation, DataAction.ReadMetadata, row.Type, counterpart, purpose, decisions.Today, AsSender: true);
                ok = AccessPolicy.Decide(policies, request).Allowed;
                allowed[key] = ok;
            }
            if (ok)
            {
                visible.Add(ToInfo(row));
            }
        }
        await journal.RecordAsync(http, caller, LogActions.List, null, null, visible.Count, null, purpose, caseObject, null, []);
        return new OperationOutcome<IReadOnlyList<DatasetInfo>>(visible, null);
    }

    /// <summary>A dataset's metadata, for its sender or its recipient, as the policy allows; logged as a metadata read.</summary>
    public async Task<OperationOutcome<DatasetInfo>> MetadataAsync(HttpContext http, string id, string? purpose, string? caseObject)
    {
        var (row, refusal) = await ReadMetadataAsync(http, id, purpose, caseObject);
        return row is null ? refusal! : ToInfo(row);
    }

    /// <summary>
    /// A dataset's metadata (logged as a metadata read, as <see cref="MetadataAsync"/>) and its
    /// history: the entries of the caller's own organisation's access log that concern it, oldest first.
    /// </summary>
    public async Task<OperationOutcome<DatasetDetails>> DetailsAsync(HttpContext http, string id, string? purpose, string? caseObject)
    {
        var (row, refusal) = await ReadMetadataAsync(http, id, purpose, caseObject);
        if (row is null)
        {
            return refusal!;
        }
        var organisation = Caller.From(http.User).Organisation!;
        return new DatasetDetails(ToInfo(row), await logs.ForDatasetsAsync(organisation, [row.Id], http.RequestAborted));
    }

    private async Task<(DatasetEntity? Row, ProblemHttpResult? Refusal)> ReadMetadataAsync(HttpContext http, string id, string? purpose, string? caseObject)
    {
        if (RequestInputs.Check(policies, purpose, purposeRequired: false, caseObject) is { } bad)
        {
            return (null, bad);
        }
        var caller = Caller.From(http.User);
        var row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return (null, await NotFoundAsync(db, journal, http, caller, LogActions.ReadMetadata, id, purpose, caseObject));
        }
        var asSender = row.FromOrganisation == caller.Organisation;
        var counterpart = asSender ? row.ToOrganisation : row.FromOrganisation;
        var decision = await decisions.DecideAsync(http, caller, DataAction.ReadMetadata, row.Type, counterpart, purpose, caseObject, id, asSender, [counterpart]);
        if (!decision.Allowed)
        {
            return (null, Refusal(decision));
        }
        await journal.RecordAsync(http, caller, LogActions.ReadMetadata, row.Type, id, row.Rows, counterpart, purpose, caseObject, null, [counterpart]);
        return (row, null);
    }

    /// <summary>The recipient acknowledges receipt, for the purpose the dataset was sent for; the sender sees who did and when.</summary>
    public async Task<OperationOutcome<DatasetInfo>> AcknowledgeAsync(HttpContext http, string id, string? purpose, string? caseObject)
    {
        var caller = Caller.From(http.User);
        var (row, denied) = await AuthorizeRecipientAsync(http, caller, LogActions.Acknowledge, DataAction.Acknowledge, id, purpose, caseObject);
        if (row is null)
        {
            return denied!;
        }
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            var tracked = await db.Datasets.SingleAsync(d => d.Id == id, http.RequestAborted);
            if (tracked.AcknowledgedAtUtc is null)
            {
                tracked.AcknowledgedAtUtc = time.GetUtcNow().UtcDateTime;
                tracked.AcknowledgedBy = caller.AgentId;
                await db.SaveChangesAsync(http.RequestAborted);
                // The sender is told, in the same transaction as the acknowledgement (notification outbox).
                await http.RequestServices.GetRequiredService<CpomExchange.Gateway.Notifications.Notifier>().FileAcknowledgedAsync(db, tracked, http.RequestAborted);
            }
            await journal.RecordAsync(http, caller, LogActions.Acknowledge, row.Type, id, row.Rows, row.FromOrganisation, purpose, caseObject, null, [row.FromOrganisation]);
            await transaction.CommitAsync(http.RequestAborted);
            row = tracked;
        }
        return ToInfo(row);
    }

    /// <summary>
    /// The sender withdraws a dataset: crypto-shredded at once (its data keys, then its files); the
    /// recipient can no longer download it and sees that it was withdrawn. Logged under both controllers.
    /// </summary>
    public async Task<OperationOutcome<DatasetInfo>> WithdrawAsync(HttpContext http, string id)
    {
        var caller = Caller.From(http.User);
        var row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return await NotFoundAsync(db, journal, http, caller, LogActions.Withdraw, id, null, null);
        }
        if (row.FromOrganisation != caller.Organisation)
        {
            var refusal = Problem.Of(403, ErrorCatalog.DirectionNotAllowed, "Seul l'expéditeur retire un jeu de données qu'il a déposé.");
            await journal.RecordAsync(http, caller, LogActions.Withdraw, row.Type, id, null, row.FromOrganisation, null, null, Code(refusal), [row.FromOrganisation]);
            return refusal;
        }
        // Whoever may send the exchange to that recipient may withdraw what was sent.
        var decision = await decisions.DecideAsync(http, caller, DataAction.ReadMetadata, row.Type, row.ToOrganisation, null, null, id, asSender: true, concerned: [row.ToOrganisation]);
        if (!decision.Allowed || !caller.Roles.Any(r => r is Roles.Agent or Roles.Pdp or Roles.ServiceSocial))
        {
            return decision.Allowed ? Problem.Of(403, ErrorCatalog.RoleNotAllowed, "Votre rôle ne permet pas de retirer ce jeu de données.") : Refusal(decision);
        }
        var shredded = await shredder.ShredAsync(id, DatasetStatus.Withdrawn, caller.AgentId, caller.DisplayName, caller.Fingerprint, caller.Organisation,
            "retrait par l'expéditeur", http.RequestAborted);
        return ToInfo(shredded!);
    }

    /// <summary>
    /// What a recipient's action on a dataset must pass: a purpose, a dataset the caller's
    /// organisation can see and is the recipient of, the policy, and the purpose the dataset was
    /// sent for. Every refusal is logged.
    /// </summary>
    private async Task<(DatasetEntity? Row, ProblemHttpResult? Refusal)> AuthorizeRecipientAsync(HttpContext http, Caller caller, string logAction, DataAction action,
        string id, string? purpose, string? caseObject)
    {
        if (RequestInputs.Check(policies, purpose, purposeRequired: true, caseObject) is { } bad)
        {
            await journal.RecordAsync(http, caller, logAction, null, id, null, null, purpose, caseObject, Code(bad), []);
            return (null, bad);
        }
        var row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return (null, await NotFoundAsync(db, journal, http, caller, logAction, id, purpose, caseObject));
        }
        var decision = await decisions.DecideOnDatasetAsync(http, caller, action, Facts(row), purpose, caseObject);
        if (!decision.Allowed)
        {
            return (null, Refusal(decision));
        }
        return (row, null);
    }

    /// <summary>What the rules know of a stored dataset.</summary>
    public static DatasetFacts Facts(DatasetEntity row) =>
        new(row.Id, row.Type, row.FromOrganisation, row.ToOrganisation, row.Purpose, row.Status == DatasetStatus.Available);

    /// <summary>The dataset <paramref name="id"/> if the caller's organisation sent or received it.</summary>
    public static Task<DatasetEntity?> FindVisibleAsync(CpomDbContext db, string id, Caller caller, CancellationToken cancellationToken) =>
        caller.Organisation is null
            ? Task.FromResult<DatasetEntity?>(null)
            : db.Datasets.AsNoTracking().SingleOrDefaultAsync(
                d => d.Id == id && (d.ToOrganisation == caller.Organisation || d.FromOrganisation == caller.Organisation), cancellationToken);

    private static ProblemHttpResult NotFound(string id) =>
        Problem.Of(404, ErrorCatalog.DatasetNotFound, $"Aucun jeu de données « {CsvIngestor.Shorten(id)} » accessible à votre organisation.");

    /// <summary>A 404, logged under the caller and, when the dataset exists, under its sender and recipient.</summary>
    public static async Task<ProblemHttpResult> NotFoundAsync(CpomDbContext db, AccessJournal journal, HttpContext http, Caller caller, string action,
        string id, string? purpose, string? caseObject)
    {
        var owners = await db.Datasets.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.FromOrganisation, d.ToOrganisation, d.Type }).SingleOrDefaultAsync(http.RequestAborted);
        string[] concerned = owners is null ? [] : [owners.FromOrganisation, owners.ToOrganisation];
        var problem = NotFound(id);
        await journal.RecordAsync(http, caller, action, owners?.Type, owners is null ? null : id, null, null, purpose, caseObject, Code(problem), concerned);
        return problem;
    }

    /// <summary>The stable code of a problem, as the access log records it.</summary>
    public static string? Code(IResult problem) => problem is ProblemHttpResult p ? (string?)p.ProblemDetails.Extensions["code"] : null;

    /// <summary>The answer to a policy refusal: its status is the catalogue entry's.</summary>
    public static ProblemHttpResult Refusal(AccessDecision decision) => Problem.From(decision.Refusal!);

    /// <summary>A dataset's metadata as every face shows it.</summary>
    public static DatasetInfo ToInfo(DatasetEntity d) => new(
        d.Id, d.Type, d.FromOrganisation, d.ToOrganisation, d.Purpose, d.Object, d.Rows, d.Sha256, d.Length, d.ContractId,
        Utc(d.CreatedAtUtc), d.Status, d.ShreddedAtUtc is { } shredded ? Utc(shredded) : null, d.ReplyTo, d.MaskedCells,
        d.AcknowledgedAtUtc is { } acknowledged ? Utc(acknowledged) : null, d.AcknowledgedBy,
        d.FirstDownloadedAtUtc is { } downloaded ? Utc(downloaded) : null)
    {
        Title = d.Title,
        MediaType = d.MediaType,
        Replaces = d.Replaces,
    };

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}
