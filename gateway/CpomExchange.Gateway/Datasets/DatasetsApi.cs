using System.Net.Mime;
using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
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
    DateTime? ShreddedAt);

/// <summary>The datasets addressed to the caller's organisation.</summary>
public sealed record InboxResponse(IReadOnlyList<DatasetInfo> Datasets);

/// <summary>Upload, list, read and download datasets.</summary>
internal static partial class DatasetsApi
{
    /// <summary>The longest free-text object (case reference) accepted.</summary>
    public const int MaxObjectLength = 80;

    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/datasets", UploadAsync);
        api.MapGet("/inbox", InboxAsync);
        api.MapGet("/datasets/{id}", MetadataAsync);
        api.MapGet("/datasets/{id}/content", DownloadAsync);
        return api;
    }

    private static async Task<Results<Created<DatasetInfo>, ProblemHttpResult>> UploadAsync(
        HttpContext http,
        [FromQuery] string? type,
        [FromQuery] string? to,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject,
        AccessDecisions decisions,
        AccessJournal journal,
        PolicySet policies,
        CpomDbContext db,
        IKeyProvider keys,
        Pseudonymiser pseudonymiser,
        FolderPayloadStore store,
        IOptions<GatewayOptions> options,
        ILogger<DatasetInfo> logger)
    {
        var caller = Caller.From(http.User);
        async Task<ProblemHttpResult> RefuseAsync(ProblemHttpResult problem, long? rows = null)
        {
            // Every refusal is logged under the caller's organisation before it is answered.
            await journal.RecordAsync(http, caller, LogActions.Upload, type, null, rows, to, purpose, caseObject, Code(problem), []);
            return problem;
        }

        if (string.IsNullOrWhiteSpace(type) || string.IsNullOrWhiteSpace(to))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.MissingParameter, "Indiquez le type d'échange (type) et le destinataire (to)."));
        }
        if (RequestCheck(purpose, caseObject) is { } bad)
        {
            return await RefuseAsync(bad);
        }
        if (!policies.Exchanges.TryGetValue(type, out var exchange))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.UnknownExchange, $"Type d'échange « {type} » inconnu. Types connus : {string.Join(", ", policies.Exchanges.Keys)}."));
        }
        if (!policies.Organisations.ContainsKey(to))
        {
            return await RefuseAsync(Problem.Of(400, ErrorCatalog.UnknownOrganisation, $"Organisation destinataire « {to} » inconnue."));
        }
        if (http.Request.ContentType is not { } contentType || !IsCsv(contentType))
        {
            return await RefuseAsync(Problem.Of(415, ErrorCatalog.UnsupportedMediaType, "Envoyez le fichier en text/csv."));
        }
        if (http.Request.Headers.ContentEncoding.Count > 0 && http.Request.Headers.ContentEncoding.Any(e => !string.Equals(e, "identity", StringComparison.OrdinalIgnoreCase)))
        {
            return await RefuseAsync(Problem.Of(415, ErrorCatalog.UnsupportedMediaType, "Les contenus compressés ne sont pas acceptés : envoyez le fichier CSV tel quel."));
        }

        var decision = await decisions.DecideAsync(http, caller, DataAction.Send, type, to, purpose, caseObject, null);
        if (!decision.Allowed)
        {
            return Refusal(decision);
        }
        if (exchange.Minimisation.Count > 0 || exchange.Masking is not null)
        {
            // Fail closed: an exchange whose minimisation or masking rules are not enforced yet is not carried at all.
            return await RefuseAsync(Problem.Of(501, ErrorCatalog.ExchangeNotAvailable,
                $"L'échange « {exchange.Label} » n'est pas encore ouvert sur cette passerelle : ses règles de minimisation ne sont pas encore appliquées."));
        }

        var id = NewDatasetId();
        var (tempPath, file) = store.CreateTemporary();
        string? subjectsPath = null;
        var committed = new List<string>();
        var subjects = new List<UInt128>();
        try
        {
            var source = new HashingReadStream(http.Request.Body);
            CsvIngestResult result;
            EncryptingStream? encrypted = null;
            await using (file)
            {
                try
                {
                    encrypted = await PayloadCipher.BeginAsync(file, keys, cancellationToken: http.RequestAborted);
                    var writer = CsvWriter.Create(encrypted, CsvIngestor.OutputOptions, leaveOpen: true);
                    await using (writer)
                    {
                        result = await CsvIngestor.IngestAsync(source, exchange.Schema, writer, new CsvIngestOptions
                        {
                            MaxRows = options.Value.Limits.MaxRows,
                            OnIdentifier = (kind, value) => subjects.Add(pseudonymiser.Short(kind == ColumnKind.Nir ? IdentifierKind.Nir : IdentifierKind.Siret, value)),
                        }, http.RequestAborted);
                    }
                    if (result.IsValid)
                    {
                        await encrypted.CompleteAsync(http.RequestAborted);
                    }
                }
                finally
                {
                    if (encrypted is not null)
                    {
                        await encrypted.DisposeAsync();
                    }
                }
            }
            if (!result.IsValid)
            {
                LogRejected(logger, caller.AgentId, type, result.ErrorCount);
                return await RefuseAsync(Problem.Of(422, ErrorCatalog.InvalidFile,
                    $"Fichier refusé : {result.ErrorCount} erreur(s). Rien n'a été enregistré ; corrigez les lignes indiquées et renvoyez le fichier entier.",
                    new Dictionary<string, object?>
                    {
                        ["errors"] = result.Errors.Select(e => new { line = e.Line, column = e.Column, value = e.Value, code = e.Code, reason = e.Reason }).ToList(),
                        ["errorCount"] = result.ErrorCount,
                        ["truncated"] = result.ErrorCount > result.Errors.Count,
                    }), result.Rows);
            }
            subjectsPath = await SubjectIndex.WriteTemporaryAsync(store, keys, SubjectIndex.Normalise(subjects), http.RequestAborted);
            subjects.Clear();

            var entity = new DatasetEntity
            {
                Id = id,
                Type = type,
                FromOrganisation = caller.Organisation!,
                ToOrganisation = to,
                Purpose = purpose!,
                Object = caseObject,
                ContractId = decision.Contract!.Id,
                CreatedBy = caller.AgentId,
                Rows = result.Rows,
                Sha256 = encrypted!.Sha256!,
                SourceSha256 = source.Sha256(),
                Length = encrypted.PlaintextLength,
                PayloadName = id + ".cpom",
                CreatedAtUtc = DateTime.UtcNow,
            };
            // The payload and its subject index are in place before the dataset row and the log
            // entries commit together: a crash leaves at most orphan files, never a listed dataset
            // without content or an unlogged one.
            store.Commit(tempPath, entity.PayloadName);
            committed.Add(entity.PayloadName);
            store.Commit(subjectsPath, SubjectIndex.NameOf(id));
            committed.Add(SubjectIndex.NameOf(id));
            await using (var transaction = await CpomDatabase.BeginWriteAsync(db, CancellationToken.None))
            {
                db.Datasets.Add(entity);
                await db.SaveChangesAsync(CancellationToken.None);
                await journal.RecordAsync(http, caller, LogActions.Upload, type, id, result.Rows, to, purpose, caseObject, null, [to]);
                await transaction.CommitAsync(CancellationToken.None);
            }
            committed.Clear();
            LogStored(logger, id, caller.AgentId, type, result.Rows);
            return TypedResults.Created($"/api/v1/datasets/{id}", ToInfo(entity));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return await RefuseAsync(Problem.Of(413, ErrorCatalog.RequestTooLarge,
                $"Le fichier dépasse la taille maximale acceptée ({options.Value.Limits.MaxBodyBytes / (1024 * 1024)} Mio). Rien n'a été enregistré."));
        }
        finally
        {
            FolderPayloadStore.Discard(tempPath);
            if (subjectsPath is not null)
            {
                FolderPayloadStore.Discard(subjectsPath);
            }
            foreach (var name in committed)
            {
                // The transaction did not commit: what was moved in place goes.
                store.Delete(name);
            }
        }
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
        // Listing reads metadata, not data: the purpose is optional here, checked and logged when given.
        if (OptionalPurposeCheck(purpose, caseObject) is { } bad)
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
        CpomDbContext db,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject)
    {
        if (OptionalPurposeCheck(purpose, caseObject) is { } bad)
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
        CpomDbContext db,
        IKeyProvider keys,
        FolderPayloadStore store,
        ILogger<DatasetInfo> logger)
    {
        var caller = Caller.From(http.User);
        if (RequestCheck(purpose, caseObject) is { } bad)
        {
            await journal.RecordAsync(http, caller, LogActions.Download, null, id, null, null, purpose, caseObject, Code(bad), []);
            return bad;
        }
        var row = await FindVisibleAsync(db, id, caller, http.RequestAborted);
        if (row is null)
        {
            return await NotFoundAsync(db, journal, http, caller, LogActions.Download, id, purpose, caseObject);
        }
        if (row.ToOrganisation != caller.Organisation)
        {
            var refusal = Problem.Of(403, ErrorCatalog.DirectionNotAllowed, "Seul le destinataire télécharge le contenu d'un jeu de données ; l'expéditeur en consulte les métadonnées.");
            await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, null, row.ToOrganisation, purpose, caseObject, Code(refusal), [row.ToOrganisation]);
            return refusal;
        }
        var decision = await decisions.DecideAsync(http, caller, DataAction.Download, row.Type, row.FromOrganisation, purpose, caseObject, id, concerned: [row.FromOrganisation]);
        if (!decision.Allowed)
        {
            return Refusal(decision);
        }
        if (purpose != row.Purpose)
        {
            // Purpose limitation (RGPD art. 5(1)(b)): data sent for one purpose is read for that purpose.
            var refusal = Problem.Of(403, ErrorCatalog.PurposeNotAllowed,
                $"Ce jeu de données a été transmis pour la finalité « {row.Purpose} » : il ne peut être téléchargé que pour celle-ci.");
            await journal.RecordAsync(http, caller, LogActions.Download, row.Type, id, null, row.FromOrganisation, purpose, caseObject, Code(refusal), [row.FromOrganisation]);
            return refusal;
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
            await using var payload = store.OpenRead(row.PayloadName);
            await PayloadCipher.DecryptAsync(payload, http.Response.Body, keys, row.Sha256, http.RequestAborted);
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

    private static ProblemHttpResult? RequestCheck(string? purpose, string? caseObject)
    {
        if (string.IsNullOrWhiteSpace(purpose))
        {
            return Problem.Of(400, ErrorCatalog.MissingPurpose, "Indiquez la finalité de l'accès (paramètre purpose), par exemple purpose=sinistralite.");
        }
        return OptionalPurposeCheck(purpose, caseObject);
    }

    private static ProblemHttpResult? OptionalPurposeCheck(string? purpose, string? caseObject)
    {
        if (purpose is not null && string.IsNullOrWhiteSpace(purpose))
        {
            return Problem.Of(400, ErrorCatalog.MissingPurpose, "La finalité (purpose) est vide.");
        }
        if (caseObject is { Length: > MaxObjectLength })
        {
            return Problem.Of(400, ErrorCatalog.ObjectTooLong, $"L'objet (référence de dossier) compte {caseObject.Length} caractères : {MaxObjectLength} au plus.");
        }
        if (caseObject is not null && CsvIngestor.FindForbiddenCharacter(caseObject) >= 0)
        {
            return Problem.Of(400, ErrorCatalog.BadCharacter, "L'objet contient un caractère de contrôle ou invisible.");
        }
        return null;
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

    private static string Code(ProblemHttpResult problem) => (string)problem.ProblemDetails.Extensions["code"]!;

    private static ProblemHttpResult Refusal(AccessDecision decision)
    {
        var status = decision.Code switch
        {
            ErrorCatalog.MissingPurpose => 400,
            ErrorCatalog.UnknownExchange or ErrorCatalog.UnknownOrganisation => 400,
            _ => 403,
        };
        return Problem.Of(status, decision.Code!, decision.Message);
    }

    private static bool IsCsv(string contentType) =>
        ContentTypeIs(contentType, "text/csv") || ContentTypeIs(contentType, MediaTypeNames.Text.Plain) || ContentTypeIs(contentType, "application/csv");

    private static bool ContentTypeIs(string contentType, string mediaType) =>
        contentType.Split(';')[0].Trim().Equals(mediaType, StringComparison.OrdinalIgnoreCase);

    private static string NewDatasetId() => "ds_" + Guid.CreateVersion7().ToString("N");

    internal static DatasetInfo ToInfo(DatasetEntity d) => new(
        d.Id, d.Type, d.FromOrganisation, d.ToOrganisation, d.Purpose, d.Object, d.Rows, d.Sha256, d.Length, d.ContractId,
        DateTime.SpecifyKind(d.CreatedAtUtc, DateTimeKind.Utc), d.Status,
        d.ShreddedAtUtc is { } shredded ? DateTime.SpecifyKind(shredded, DateTimeKind.Utc) : null);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Stored dataset {DatasetId} ({ExchangeType}, {Rows} rows) from agent {AgentId}.")]
    private static partial void LogStored(ILogger logger, string datasetId, string agentId, string exchangeType, long rows);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Rejected a {ExchangeType} file from agent {AgentId}: {ErrorCount} error(s); nothing stored.")]
    private static partial void LogRejected(ILogger logger, string agentId, string exchangeType, long errorCount);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Stored payload of dataset {DatasetId} failed authentication.")]
    private static partial void LogCorrupted(ILogger logger, Exception exception, string datasetId);
}
