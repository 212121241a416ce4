using System.Globalization;
using System.Text;
using System.Text.Json;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using CpomExchange.Rules.AccessLog;
using CpomExchange.Rules.Csv;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Identifiers;
using CpomExchange.Rules.Policies;
using CpomExchange.Rules.Pseudonymisation;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>A page of entries.</summary>
public sealed record AuditPage(long Total, int Page, int PageSize, IReadOnlyList<JsonElement> Entries);

/// <summary>A signed checkpoint as the API gives it.</summary>
public sealed record CheckpointInfo(string LogId, long TreeSize, string RootHash, long Time, string KeyId, string Signature, string Note);

/// <summary>The result of an online verification.</summary>
public sealed record VerificationInfo(bool Valid, long EntriesChecked, int CheckpointsChecked, long? FirstBadSeq, string? Problem, string Summary, CheckpointInfo? LatestCheckpoint);

/// <summary>An inclusion proof of one entry in the tree of a signed checkpoint.</summary>
public sealed record InclusionProofInfo(long Seq, long TreeSize, string LeafHash, IReadOnlyList<string> Proof, CheckpointInfo Checkpoint);

/// <summary>A consistency proof between two signed checkpoints.</summary>
public sealed record ConsistencyProofInfo(long From, long To, IReadOnlyList<string> Proof, CheckpointInfo FromCheckpoint, CheckpointInfo ToCheckpoint);

/// <summary>A DPO's subject lookup (RGPD art. 15): the SIRET or NIR in the request, never in the answer or the log.</summary>
public sealed record SubjectQuery(string? Siret, string? Nir);

/// <summary>The entries that concern a subject.</summary>
public sealed record SubjectAnswer(string Pseudonym, IReadOnlyList<string> Datasets, IReadOnlyList<JsonElement> Entries);

/// <summary>
/// The DPO's review of their own organisation's access log (role <c>dpo</c>): listing with filters,
/// export (CSV or JSON Lines), online verification, proofs, subject lookup. Every review is itself
/// logged.
/// </summary>
internal static class AuditApi
{
    /// <summary>The most entries one page holds.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>The last page that can be asked for: its offset fits in an int whatever the page size.</summary>
    public const int MaxPage = (int.MaxValue / MaxPageSize) + 1;

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit");
        audit.MapGet("/entries", ListAsync);
        audit.MapGet("/export", ExportAsync);
        audit.MapGet("/verify", VerifyAsync);
        audit.MapGet("/checkpoints", CheckpointsAsync);
        audit.MapGet("/public-key", PublicKeyAsync);
        audit.MapGet("/proofs/inclusion", InclusionAsync);
        audit.MapGet("/proofs/consistency", ConsistencyAsync);
        audit.MapPost("/subjects", SubjectAsync);
        return api;
    }

    private static ProblemHttpResult? NotDpo(Caller caller) =>
        caller.Roles.Contains(Roles.Dpo) && caller.Organisation is not null
            ? null
            : Problem.Of(403, ErrorCatalog.RoleNotAllowed, "Le journal des accès est consulté par le DPO de l'organisation (rôle dpo), pour sa seule organisation.");

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync(
        HttpContext http, AccessLogReader reader, AccessJournal journal,
        [FromQuery] DateTime? from, [FromQuery] DateTime? to, [FromQuery] string? agent, [FromQuery] string? action, [FromQuery] string? exchange,
        [FromQuery] string? outcome, [FromQuery] string? purpose, [FromQuery] string? dataset, [FromQuery] int page = 1, [FromQuery] int pageSize = 100)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        // Checked, not clamped, before anything is read or logged: the offset (page - 1) × pageSize stays an int.
        if (page < 1 || pageSize is < 1 or > MaxPageSize || page > MaxPage)
        {
            return Problem.Of(400, ErrorCatalog.BadPaging, $"Pagination invalide : page de 1 à {MaxPage}, pageSize de 1 à {MaxPageSize}.");
        }
        var filter = new AccessLogFilter(from?.ToUniversalTime(), to?.ToUniversalTime(), agent, action, exchange, outcome, purpose, dataset);
        var (total, entries) = await reader.ListAsync(caller.Organisation!, filter, page, pageSize, http.RequestAborted);
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, entries.Count, null, null, "liste", null, []);
        return TypedResults.Ok(new AuditPage(total, page, pageSize, entries.Select(ToJson).ToList()));
    }

    private static async Task<IResult> ExportAsync(HttpContext http, AccessLogReader reader, AccessJournal journal, IKeyProvider keys, [FromQuery] string? format)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        format ??= "jsonl";
        if (format is not ("jsonl" or "csv"))
        {
            return Problem.Of(400, ErrorCatalog.MissingParameter, "Format d'export : jsonl ou csv.");
        }
        var controller = caller.Organisation!;
        try
        {
            await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, null, null, null, "export " + format, null, []);
        }
        catch (Exception e) when (e is DbUpdateException or FormatException)
        {
            // A damaged log may refuse the entry of this very review; the export is the evidence the DPO needs.
            http.RequestServices.GetRequiredService<ILogger<VerificationInfo>>().LogWarning(e, "L'export d'un journal des accès endommagé n'a pas pu y être consigné.");
        }
        var head = await reader.HeadAsync(controller, http.RequestAborted);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"journal-{controller}.{format}\"";
        if (format == "csv")
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            await using var csv = CsvWriter.Create(http.Response.Body, CsvIngestor.OutputOptions, leaveOpen: true);
            csv.WriteHeader(["n", "horodatage_utc", "agent", "nom_agent", "organisation_agent", "certificat_sha256", "action", "echange", "jeu_de_donnees",
                "lignes", "contrepartie", "finalite", "objet", "base_legale", "resultat", "motif", "adresse_client", "requete"]);
            await foreach (var stored in reader.EntriesAsync(controller, null, http.RequestAborted))
            {
                var e = stored.Entry;
                await csv.WriteRecordAsync([e.Seq.ToString(CultureInfo.InvariantCulture), e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture),
                    e.AgentId, e.AgentName, e.Organisation ?? "", e.CertificateSha256, e.Action, e.ExchangeType ?? "", e.DatasetId ?? "",
                    e.Rows?.ToString(CultureInfo.InvariantCulture) ?? "", e.Counterpart ?? "", e.Purpose ?? "", e.Object ?? "", e.LegalBasis ?? "",
                    e.Outcome == AccessLogEntry.Allowed ? "autorisé" : "refusé", e.ReasonCode ?? "", e.ClientAddress ?? "", e.RequestId ?? ""], http.RequestAborted);
            }
            return Results.Empty;
        }
        http.Response.ContentType = "application/jsonl; charset=utf-8";
        var signing = await keys.GetSigningKeyAsync(http.RequestAborted);
        var start = await reader.StartAsync(controller, http.RequestAborted);
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024, leaveOpen: true) { NewLine = "\n" };
        await writer.WriteLineAsync(LogExport.HeaderLine(new LogExportHeader(controller, signing.KeyId, signing.PublicKeySpki, DateTimeOffset.UtcNow,
            start.Size, start.Range.Serialize(), start.LastLeafHash, head?.Size ?? 0)));
        // Checkpoints first: an offline verifier then checks the entries as it reads them.
        foreach (var c in await reader.CheckpointsAsync(controller, http.RequestAborted))
        {
            await writer.WriteLineAsync(LogExport.CheckpointLine(c));
        }
        await foreach (var stored in reader.EntriesAsync(controller, null, http.RequestAborted))
        {
            await writer.WriteLineAsync(LogExport.EntryLine(stored));
        }
        return Results.Empty;
    }

    private static async Task<Results<Ok<VerificationInfo>, ProblemHttpResult>> VerifyAsync(HttpContext http, AccessLogReader reader, AccessJournal journal)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var result = await reader.VerifyAsync(caller.Organisation!, http.RequestAborted);
        try
        {
            await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, result.EntriesChecked, null, null, "vérification", null, []);
        }
        catch (Exception e) when (!result.Valid && e is DbUpdateException or FormatException or InvalidOperationException)
        {
            // A damaged log may refuse the entry of this very review: the DPO still gets the verdict.
            http.RequestServices.GetRequiredService<ILogger<VerificationInfo>>().LogWarning(e, "La vérification d'un journal des accès endommagé n'a pas pu y être consignée.");
        }
        var latest = result.LatestCheckpoint is null ? null
            : (await reader.CheckpointsAsync(caller.Organisation!, http.RequestAborted)).FirstOrDefault(c => c.Checkpoint.TreeSize == result.LatestCheckpoint.TreeSize);
        return TypedResults.Ok(new VerificationInfo(result.Valid, result.EntriesChecked, result.CheckpointsChecked, result.FirstBadSeq, result.Problem, result.Summary,
            latest is null ? null : ToInfo(latest)));
    }

    private static async Task<Results<Ok<List<CheckpointInfo>>, ProblemHttpResult>> CheckpointsAsync(HttpContext http, AccessLogReader reader)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        return TypedResults.Ok((await reader.CheckpointsAsync(caller.Organisation!, http.RequestAborted)).Select(ToInfo).ToList());
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> PublicKeyAsync(HttpContext http, IKeyProvider keys)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var key = await keys.GetSigningKeyAsync(http.RequestAborted);
        return TypedResults.Ok<object>(new { keyId = key.KeyId, publicKey = Convert.ToBase64String(key.PublicKeySpki) });
    }

    private static async Task<Results<Ok<InclusionProofInfo>, ProblemHttpResult>> InclusionAsync(HttpContext http, AccessLogReader reader,
        [FromQuery] long seq, [FromQuery] long? treeSize)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var checkpoints = await reader.CheckpointsAsync(caller.Organisation!, http.RequestAborted);
        var checkpoint = treeSize is { } size ? checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == size) : checkpoints.LastOrDefault();
        if (checkpoint is null || seq < 0 || seq >= checkpoint.Checkpoint.TreeSize)
        {
            return Problem.Of(404, ErrorCatalog.DatasetNotFound, "Aucun point de contrôle signé de cette taille couvrant cette entrée.");
        }
        var leaves = await reader.LeavesAsync(caller.Organisation!, checkpoint.Checkpoint.TreeSize, http.RequestAborted);
        var proof = MerkleTree.InclusionProof(leaves, seq, checkpoint.Checkpoint.TreeSize);
        return TypedResults.Ok(new InclusionProofInfo(seq, checkpoint.Checkpoint.TreeSize, Convert.ToBase64String(leaves[(int)seq]),
            proof.Select(Convert.ToBase64String).ToList(), ToInfo(checkpoint)));
    }

    private static async Task<Results<Ok<ConsistencyProofInfo>, ProblemHttpResult>> ConsistencyAsync(HttpContext http, AccessLogReader reader,
        [FromQuery] long from, [FromQuery] long? to)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        var checkpoints = await reader.CheckpointsAsync(caller.Organisation!, http.RequestAborted);
        var old = checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == from);
        var latest = to is { } size ? checkpoints.FirstOrDefault(c => c.Checkpoint.TreeSize == size) : checkpoints.LastOrDefault();
        if (old is null || latest is null || latest.Checkpoint.TreeSize < from)
        {
            return Problem.Of(404, ErrorCatalog.DatasetNotFound, "Aucun point de contrôle signé de ces tailles.");
        }
        var leaves = await reader.LeavesAsync(caller.Organisation!, latest.Checkpoint.TreeSize, http.RequestAborted);
        var proof = MerkleTree.ConsistencyProof(leaves, from, latest.Checkpoint.TreeSize);
        return TypedResults.Ok(new ConsistencyProofInfo(from, latest.Checkpoint.TreeSize, proof.Select(Convert.ToBase64String).ToList(), ToInfo(old), ToInfo(latest)));
    }

    private static async Task<Results<Ok<SubjectAnswer>, ProblemHttpResult>> SubjectAsync(SubjectQuery query, HttpContext http, AccessLogReader reader,
        AccessJournal journal, Pseudonymiser pseudonymiser, CpomDbContext db, IPayloadStore store, IKeyProvider keys)
    {
        var caller = Caller.From(http.User);
        if (NotDpo(caller) is { } forbidden)
        {
            return forbidden;
        }
        IdentifierKind kind;
        string value;
        if (query.Siret is not null && query.Nir is null && Siret.IsValid(query.Siret))
        {
            (kind, value) = (IdentifierKind.Siret, Siret.Normalise(query.Siret));
        }
        else if (query.Nir is not null && query.Siret is null && Nir.IsValid(Nir.Normalise(query.Nir)))
        {
            (kind, value) = (IdentifierKind.Nir, Nir.Normalise(query.Nir));
        }
        else
        {
            return Problem.Of(400, ErrorCatalog.MissingParameter, "Donnez un SIRET valide (siret) ou un NIR valide (nir), l'un ou l'autre.");
        }
        var pseudonym = pseudonymiser.Pseudonym(kind, value);
        var shortKey = pseudonymiser.Short(kind, value);
        var controller = caller.Organisation!;
        // Shredded datasets have no subjects any more: their indexes (and keys) are destroyed.
        var datasets = await db.Datasets.AsNoTracking()
            .Where(d => (d.FromOrganisation == controller || d.ToOrganisation == controller) && d.Status == DatasetStatus.Available)
            .ToListAsync(http.RequestAborted);
        var concerning = new List<string>();
        foreach (var dataset in datasets)
        {
            var subjects = await DatasetFiles.ReadSubjectsAsync(store, keys, dataset, http.RequestAborted);
            if (Array.BinarySearch(subjects, shortKey) >= 0)
            {
                concerning.Add(dataset.Id);
            }
        }
        var entries = await reader.ForDatasetsAsync(controller, concerning, http.RequestAborted);
        // The log holds the pseudonym that was looked up, never the identifier.
        await journal.RecordAsync(http, caller, LogActions.AuditRead, null, null, entries.Count, null, null, "recherche " + pseudonym, null, []);
        return TypedResults.Ok(new SubjectAnswer(pseudonym, concerning, entries.Select(ToJson).ToList()));
    }

    internal static JsonElement ToJson(AccessLogEntry entry)
    {
        using var doc = JsonDocument.Parse(entry.CanonicalBytes());
        return doc.RootElement.Clone();
    }

    private static CheckpointInfo ToInfo(SignedCheckpoint c) => new(c.Checkpoint.LogId, c.Checkpoint.TreeSize, Convert.ToBase64String(c.Checkpoint.RootHash),
        c.Checkpoint.Time.ToUnixTimeMilliseconds(), c.KeyId, Convert.ToBase64String(c.Signature), Encoding.UTF8.GetString(c.Checkpoint.SignedBytes()));
}
