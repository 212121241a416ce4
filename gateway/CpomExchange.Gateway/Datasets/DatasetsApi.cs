using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Datasets;

/// <summary>A dataset's metadata, as the API returns it.</summary>
public sealed record DatasetInfo(
    string Id,
    string Type,
    string From,
    string To,
    string Purpose,
    string? Object,
    long Rows,
    string Sha256,
    long Size,
    string Contract,
    DateTime CreatedAt,
    string Status,
    DateTime? ShreddedAt,
    string? ReplyTo,
    long MaskedCells,
    DateTime? AcknowledgedAt,
    string? AcknowledgedBy);

/// <summary>The datasets addressed to the caller's organisation.</summary>
public sealed record InboxResponse(IReadOnlyList<DatasetInfo> Datasets);

/// <summary>Upload, list, read and download datasets.</summary>
internal static partial class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/datasets", UploadAsync).AcceptsLargeBody().LimitPerOrganisation(OrganisationWork.Upload);
        api.MapGet("/inbox", InboxAsync);
        api.MapGet("/datasets/{id}", MetadataAsync);
        api.MapGet("/datasets/{id}/content", DownloadAsync).LimitPerOrganisation(OrganisationWork.Download);
        api.MapPost("/datasets/{id}/ack", AcknowledgeAsync);
        api.MapDelete("/datasets/{id}", WithdrawAsync);
        api.MapPost("/datasets/{id}/consent-withdrawals", WithdrawConsentAsync);
        return api;
    }

    private static async Task<Results<Ok<InboxResponse>, ProblemHttpResult>> InboxAsync(
        HttpContext http,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject)
    {
        // Listing reads metadata, not data: the purpose is optional here, checked and logged when given;
        // an unknown one is refused, not answered with an empty list.
        if (RequestInputs.Check(policies, purpose, purposeRequired: false, caseObject) is { } bad)
        {
            return bad;
        }
        var caller = Caller.From(http.User);
        var rows = caller.Organisation is null
            ? []
            : await db.Datasets.AsNoTracking().Where(d => d.ToOrganisation == caller.Organisation)
                .OrderByDescending(d => d.CreatedAtUtc).Take(1000).ToListAsync(http.RequestAborted);
        var visible = new List<DatasetInfo>();
        var allowed = new Dictionary<(string, string), bool>();
        foreach (var row in rows)
        {
            var key = (row.Type, row.FromOrganisation);
            if (!allowed.TryGetValue(key, out var ok))
            {
                // Filtering, not refusing: what the caller's roles do not cover is simply not listed.
                ok = AccessPolicy.Decide(policies, new AccessRequest(caller.Roles, caller.Organisation, DataAction.List, row.Type, row.FromOrganisation, purpose, decisions.Today)).Allowed;
                allowed[key] = ok;
            }
            if (ok)
            {
                visible.Add(ToInfo(row));
            }
        }
        await journal.RecordAsync(http, caller, LogActions.List, null, null, visible.Count, null, purpose, caseObject, null, []);
        return TypedResults.Ok(new InboxResponse(visible));
    }

    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> MetadataAsync(
        string id,
        HttpContext http,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject)
    {
        if (RequestInputs.Check(policies, purpose, purposeRequired: false, caseObject) is { } bad)
        {
            return bad;
        }
        var caller = Caller.From(http.User);
        var row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return await NotFoundAsync(db, journal, http, caller, LogActions.ReadMetadata, id, purpose, caseObject);
        }
        var asSender = row.FromOrganisation == caller.Organisation;
        var counterpart = asSender ? row.ToOrganisation : row.FromOrganisation;
        var decision = await decisions.DecideAsync(http, caller, DataAction.ReadMetadata, row.Type, counterpart, purpose, caseObject, id, asSender, [counterpart]);
        if (!decision.Allowed)
        {
            return Refusal(decision);
        }
        await journal.RecordAsync(http, caller, LogActions.ReadMetadata, row.Type, id, row.Rows, counterpart, purpose, caseObject, null, [counterpart]);
        return TypedResults.Ok(ToInfo(row));
    }

    private static async Task<IResult> DownloadAsync(
        string id,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject,
        HttpContext http,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        IKeyProvider keys,
        IPayloadStore store,
        ILogger<DatasetInfo> logger)
    {
        var caller = Caller.From(http.User);
        var (row, denied) = await AuthorizeRecipientAsync(http, caller, decisions, journal, policies, db, LogActions.Download, DataAction.Download, id, purpose, caseObject,
            "Seul le destinataire télécharge le contenu d'un jeu de données ; l'expéditeur en consulte les métadonnées.", "il ne peut être téléchargé que pour celle-ci");
        if (row is null)
        {
            return denied!;
        }
        if (row.Status != DatasetStatus.Available)
        {
            var gone = Problem.Of(410, ErrorCatalog.DatasetPurged, row.Status == DatasetStatus.Withdrawn
                ? $"Ce jeu de données a été retiré par son expéditeur le {row.ShreddedAtUtc:dd/MM/yyyy} : son contenu est détruit."
                : $"La durée de conservation de ce jeu de données a pris fin : son contenu a été détruit le {row.ShreddedAtUtc:dd/MM/yyyy}.");
            await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, null, row.FromOrganisation, purpose, caseObject, Code(gone), [row.FromOrganisation]);
            return gone;
        }
        // The download is logged under both controllers before the first byte leaves.
        await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, row.Rows, row.FromOrganisation, purpose, caseObject, null, [row.FromOrganisation]);

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.ContentLength = row.Length;
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{row.Type}-{row.Id}.csv\"";
        http.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(row.Sha256))}:";
        try
        {
            await using var content = await DatasetFiles.OpenContentAsync(store, keys, row, http.RequestAborted);
            await content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
        catch (PayloadCorruptedException e)
        {
            LogCorrupted(logger, e, row.Id);
            if (!http.Response.HasStarted)
            {
                http.Response.Headers.Remove("Repr-Digest");
                http.Response.Headers.ContentDisposition = default;
                http.Response.ContentLength = null;
                return Problem.Of(500, ErrorCatalog.DatasetCorrupted, "Le contenu stocké de ce jeu de données est altéré ; rien n'a été transmis. Prévenez l'exploitant.");
            }
            // Part of the content has left: cut the connection so that the client sees an incomplete response.
            http.Abort();
        }
        return Results.Empty;
    }

    /// <summary>
    /// What a recipient's action on a dataset must pass: a purpose, a dataset the caller's
    /// organisation can see and is the recipient of, the policy, and the purpose the dataset was
    /// sent for. Every refusal is logged.
    /// </summary>
    private static async Task<(DatasetEntity? Row, ProblemHttpResult? Refusal)> AuthorizeRecipientAsync(HttpContext http, Caller caller,
        AccessDecisions decisions, AccessJournal journal, PolicySet policies, CpomDbContext db, string logAction, DataAction action, string id, string? purpose,
        string? caseObject, string notRecipient, string onlyForThatPurpose)
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
        if (row.ToOrganisation != caller.Organisation)
        {
            var refusal = Problem.Of(403, ErrorCatalog.DirectionNotAllowed, notRecipient);
            await journal.RecordAsync(http, caller, logAction, row.Type, id, null, row.ToOrganisation, purpose, caseObject, Code(refusal), [row.ToOrganisation]);
            return (null, refusal);
        }
        var decision = await decisions.DecideAsync(http, caller, action, row.Type, row.FromOrganisation, purpose, caseObject, id, concerned: [row.FromOrganisation]);
        if (!decision.Allowed)
        {
            return (null, Refusal(decision));
        }
        if (purpose != row.Purpose)
        {
            // Purpose limitation (RGPD art. 5(1)(b)): data sent for one purpose is read, and acknowledged, for that purpose.
            var refusal = Problem.Of(403, ErrorCatalog.PurposeNotAllowed,
                $"Ce jeu de données a été transmis pour la finalité « {row.Purpose} » : {onlyForThatPurpose}.");
            await journal.RecordAsync(http, caller, logAction, row.Type, id, null, row.FromOrganisation, purpose, caseObject, Code(refusal), [row.FromOrganisation]);
            return (null, refusal);
        }
        return (row, null);
    }

    /// <summary>The recipient acknowledges receipt; the sender sees who did and when.</summary>
    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> AcknowledgeAsync(
        string id, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject,
        HttpContext http, AccessDecisions decisions, AccessJournal journal, PolicySet policies, CpomDbContext db)
    {
        var caller = Caller.From(http.User);
        var (row, denied) = await AuthorizeRecipientAsync(http, caller, decisions, journal, policies, db, LogActions.Acknowledge, DataAction.Acknowledge, id, purpose,
            caseObject, "Seul le destinataire accuse réception d'un jeu de données.", "sa réception ne peut être accusée que pour celle-ci");
        if (row is null)
        {
            return denied!;
        }
        await using (var transaction = await CpomDatabase.BeginWriteAsync(db, http.RequestAborted))
        {
            var tracked = await db.Datasets.SingleAsync(d => d.Id == id, http.RequestAborted);
            if (tracked.AcknowledgedAtUtc is null)
            {
                tracked.AcknowledgedAtUtc = DateTime.UtcNow;
                tracked.AcknowledgedBy = caller.AgentId;
                await db.SaveChangesAsync(http.RequestAborted);
            }
            await journal.RecordAsync(http, caller, LogActions.Acknowledge, row.Type, id, row.Rows, row.FromOrganisation, purpose, caseObject, null, [row.FromOrganisation]);
            await transaction.CommitAsync(http.RequestAborted);
            row = tracked;
        }
        return TypedResults.Ok(ToInfo(row));
    }

    /// <summary>The sender withdraws a dataset: crypto-shredded at once; the recipient sees that it was withdrawn.</summary>
    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> WithdrawAsync(
        string id, HttpContext http, AccessDecisions decisions, AccessJournal journal, CpomDbContext db, DatasetShredder shredder)
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
        return TypedResults.Ok(ToInfo(shredded!));
    }

    private static Task<DatasetEntity?> FindVisibleAsync(CpomDbContext db, string id, Caller caller, CancellationToken cancellationToken) =>
        caller.Organisation is null
            ? Task.FromResult<DatasetEntity?>(null)
            : db.Datasets.AsNoTracking().SingleOrDefaultAsync(
                d => d.Id == id && (d.ToOrganisation == caller.Organisation || d.FromOrganisation == caller.Organisation), cancellationToken);

    private static ProblemHttpResult NotFound(string id) =>
        Problem.Of(404, ErrorCatalog.DatasetNotFound, $"Aucun jeu de données « {CsvIngestor.Shorten(id)} » accessible à votre organisation.");

    /// <summary>A 404, logged under the caller and, when the dataset exists, under its sender and recipient.</summary>
    private static async Task<ProblemHttpResult> NotFoundAsync(CpomDbContext db, AccessJournal journal, HttpContext http, Caller caller, string action,
        string id, string? purpose, string? caseObject)
    {
        var owners = await db.Datasets.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.FromOrganisation, d.ToOrganisation, d.Type }).SingleOrDefaultAsync(http.RequestAborted);
        string[] concerned = owners is null ? [] : [owners.FromOrganisation, owners.ToOrganisation];
        var problem = NotFound(id);
        await journal.RecordAsync(http, caller, action, owners?.Type, owners is null ? null : id, null, null, purpose, caseObject, Code(problem), concerned);
        return problem;
    }

    private static string? Code(IResult problem) => problem is ProblemHttpResult p ? (string?)p.ProblemDetails.Extensions["code"] : null;

    /// <summary>A policy refusal as its answer: the status is the catalogue entry's.</summary>
    private static ProblemHttpResult Refusal(AccessDecision decision) => Problem.From(decision.Refusal!);

    internal static DatasetInfo ToInfo(DatasetEntity d) => new(
        d.Id, d.Type, d.FromOrganisation, d.ToOrganisation, d.Purpose, d.Object, d.Rows, d.Sha256, d.Length, d.ContractId,
        DateTime.SpecifyKind(d.CreatedAtUtc, DateTimeKind.Utc), d.Status,
        d.ShreddedAtUtc is { } shredded ? DateTime.SpecifyKind(shredded, DateTimeKind.Utc) : null, d.ReplyTo, d.MaskedCells,
        d.AcknowledgedAtUtc is { } acknowledged ? DateTime.SpecifyKind(acknowledged, DateTimeKind.Utc) : null, d.AcknowledgedBy);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Le contenu chiffré du jeu de données {DatasetId} ne passe pas la vérification d'authenticité : altéré ou substitué.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string datasetId);
}
