using System.Text.Json;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.AccessLog;
using CpomExchange.Rules.AccessLog;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>A page of entries.</summary>
public sealed record AuditPage(long Total, int Page, int PageSize, IReadOnlyList<JsonElement> Entries);

/// <summary>A signed checkpoint as the API gives it.</summary>
public sealed record CheckpointInfo(string LogId, long TreeSize, string RootHash, long Time, string KeyId, string Signature, string Note);

/// <summary>
/// The result of an online verification. <paramref name="Mode"/>: <c>full</c> (the whole log read again) or
/// <c>incremental</c> (only the entries after the signed checkpoint of <paramref name="FromTreeSize"/> entries,
/// which this gateway process verified earlier); <paramref name="Method"/> says the same in French.
/// </summary>
public sealed record VerificationInfo(bool Valid, long EntriesChecked, int CheckpointsChecked, long? FirstBadSeq, string? Problem, string Summary, CheckpointInfo? LatestCheckpoint,
    string Mode, long? FromTreeSize, string Method);

/// <summary>An inclusion proof of one entry in the tree of a signed checkpoint.</summary>
public sealed record InclusionProofInfo(long Seq, long TreeSize, string LeafHash, IReadOnlyList<string> Proof, CheckpointInfo Checkpoint);

/// <summary>A consistency proof between two signed checkpoints.</summary>
public sealed record ConsistencyProofInfo(long From, long To, IReadOnlyList<string> Proof, CheckpointInfo FromCheckpoint, CheckpointInfo ToCheckpoint);

/// <summary>A DPO's subject lookup (RGPD art. 15): the SIRET or NIR in the request, never in the answer or the log.</summary>
public sealed record SubjectQuery(string? Siret, string? Nir);

/// <summary>The entries that concern a subject.</summary>
public sealed record SubjectAnswer(string Pseudonym, IReadOnlyList<string> Datasets, IReadOnlyList<JsonElement> Entries);

/// <summary>
/// The DPO's review of their own organisation's access log over HTTP (role <c>dpo</c>): listing with
/// filters, export (CSV or JSON Lines), online verification, proofs, subject lookup. The handlers
/// translate; <see cref="AuditService"/> decides, reads and logs, for the console as well.
/// </summary>
internal static class AuditApi
{
    /// <summary>The most entries one page holds.</summary>
    public const int MaxPageSize = AuditService.MaxPageSize;

    /// <summary>The last page that can be asked for: its offset fits in an int whatever the page size.</summary>
    public const int MaxPage = AuditService.MaxPage;

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

    private static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAsync(
        HttpContext http, AuditService audit,
        [FromQuery] DateTime? from, [FromQuery] DateTime? to, [FromQuery] string? agent, [FromQuery] string? action, [FromQuery] string? exchange,
        [FromQuery] string? outcome, [FromQuery] string? purpose, [FromQuery] string? dataset, [FromQuery] string? counterpart,
        [FromQuery] int page = 1, [FromQuery] int pageSize = 100)
    {
        var filter = new AccessLogFilter(from?.ToUniversalTime(), to?.ToUniversalTime(), agent, action, exchange, outcome, purpose, dataset, counterpart);
        var listing = await audit.ListAsync(http, Caller.From(http.User), filter, page, pageSize);
        return listing.Succeeded
            ? TypedResults.Ok(new AuditPage(listing.Value.Total, page, pageSize, listing.Value.Entries.Select(ToJson).ToList()))
            : listing.Refusal.ToProblem();
    }

    private static async Task<IResult> ExportAsync(HttpContext http, AuditService audit, [FromQuery] string? format)
    {
        var caller = Caller.From(http.User);
        format ??= "jsonl";
        if (AuditService.CheckExport(caller, format) is { } refused)
        {
            return refused.ToProblem();
        }
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"journal-{caller.Organisation}.{format}\"";
        http.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
        await audit.WriteExportAsync(http, caller, format, null, http.Response.Body);
        return Results.Empty;
    }

    private static async Task<Results<Ok<VerificationInfo>, ProblemHttpResult>> VerifyAsync(HttpContext http, AuditService audit, [FromQuery] bool incremental = false)
    {
        var verified = await audit.VerifyAsync(http, Caller.From(http.User), incremental);
        if (!verified.Succeeded)
        {
            return verified.Refusal.ToProblem();
        }
        var (run, latest) = verified.Value;
        var result = run.Result;
        return TypedResults.Ok(new VerificationInfo(result.Valid, result.EntriesChecked, result.CheckpointsChecked, result.FirstBadSeq, result.Problem, result.Summary,
            latest is null ? null : AuditService.ToInfo(latest), run.Mode, run.FromSize, run.Description));
    }

    private static async Task<Results<Ok<List<CheckpointInfo>>, ProblemHttpResult>> CheckpointsAsync(HttpContext http, AuditService audit)
    {
        var checkpoints = await audit.CheckpointsAsync(Caller.From(http.User), http.RequestAborted);
        return checkpoints.Succeeded ? TypedResults.Ok(checkpoints.Value.Select(AuditService.ToInfo).ToList()) : checkpoints.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<object>, ProblemHttpResult>> PublicKeyAsync(HttpContext http, AuditService audit)
    {
        var key = await audit.PublicKeyAsync(Caller.From(http.User), http.RequestAborted);
        return key.Succeeded
            ? TypedResults.Ok<object>(new { keyId = key.Value.KeyId, publicKey = Convert.ToBase64String(key.Value.PublicKeySpki) })
            : key.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<InclusionProofInfo>, ProblemHttpResult>> InclusionAsync(HttpContext http, AuditService audit,
        [FromQuery] long seq, [FromQuery] long? treeSize)
    {
        var proof = await audit.InclusionAsync(Caller.From(http.User), seq, treeSize, http.RequestAborted);
        return proof.Succeeded ? TypedResults.Ok(proof.Value) : proof.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<ConsistencyProofInfo>, ProblemHttpResult>> ConsistencyAsync(HttpContext http, AuditService audit,
        [FromQuery] long from, [FromQuery] long? to)
    {
        var proof = await audit.ConsistencyAsync(Caller.From(http.User), from, to, http.RequestAborted);
        return proof.Succeeded ? TypedResults.Ok(proof.Value) : proof.Refusal.ToProblem();
    }

    private static async Task<Results<Ok<SubjectAnswer>, ProblemHttpResult>> SubjectAsync(SubjectQuery query, HttpContext http, AuditService audit)
    {
        var found = await audit.SubjectAsync(http, Caller.From(http.User), query);
        return found.Succeeded
            ? TypedResults.Ok(new SubjectAnswer(found.Value.Pseudonym, found.Value.Datasets, found.Value.Entries.Select(ToJson).ToList()))
            : found.Refusal.ToProblem();
    }

    internal static JsonElement ToJson(AccessLogEntry entry)
    {
        using var doc = JsonDocument.Parse(entry.CanonicalBytes());
        return doc.RootElement.Clone();
    }
}
