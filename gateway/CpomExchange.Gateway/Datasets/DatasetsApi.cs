using CpomExchange.Gateway.AccessLog;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Limits;
using CpomExchange.Gateway.Problems;
using CpomExchange.Gateway.Telemetry;
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
    string? AcknowledgedBy,
    DateTime? FirstDownloadedAt = null)
{
    /// <summary>A document's title (the <c>document</c> exchange); null for a CSV dataset.</summary>
    public string? Title { get; init; }

    /// <summary>A document's type, decided by its content (<c>application/pdf</c>, ...); null for a CSV dataset.</summary>
    public string? MediaType { get; init; }

    /// <summary>The dataset this one replaced (withdrawn and destroyed when this one arrived), if any: the link to the previous version.</summary>
    public string? Replaces { get; init; }
}

/// <summary>The datasets addressed to the caller's organisation.</summary>
public sealed record InboxResponse(IReadOnlyList<DatasetInfo> Datasets);

/// <summary>The datasets the caller's organisation sent.</summary>
public sealed record OutboxResponse(IReadOnlyList<DatasetInfo> Datasets);

/// <summary>Upload, list, read and download datasets.</summary>
internal static partial class DatasetsApi
{
    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/datasets", UploadAsync).AcceptsLargeBody().LimitPerOrganisation(OrganisationWork.Upload).WithUploadMetrics();
        api.MapGet("/inbox", InboxAsync);
        api.MapGet("/outbox", OutboxAsync);
        api.MapGet("/datasets/{id}", MetadataAsync);
        api.MapGet("/datasets/{id}/content", DownloadAsync).LimitPerOrganisation(OrganisationWork.Download).WithDownloadMetrics();
        api.MapPost("/datasets/{id}/ack", AcknowledgeAsync);
        api.MapDelete("/datasets/{id}", WithdrawAsync);
        api.MapPost("/datasets/{id}/consent-withdrawals", WithdrawConsentAsync);
        return api;
    }

    private static async Task<Results<Ok<InboxResponse>, ProblemHttpResult>> InboxAsync(
        HttpContext http, DatasetOperations operations, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject)
    {
        var listed = await operations.InboxAsync(http, purpose, caseObject);
        return listed.Refusal is { } refused ? refused : TypedResults.Ok(new InboxResponse(listed.Value!));
    }

    /// <summary><c>GET /api/v1/outbox</c>: what the caller's organisation sent, as its roles may see it; logged as a listing.</summary>
    private static async Task<Results<Ok<OutboxResponse>, ProblemHttpResult>> OutboxAsync(
        HttpContext http, DatasetOperations operations, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject)
    {
        var listed = await operations.OutboxAsync(http, purpose, caseObject);
        return listed.Refusal is { } refused ? refused : TypedResults.Ok(new OutboxResponse(listed.Value!));
    }

    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> MetadataAsync(
        string id, HttpContext http, DatasetOperations operations, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject) =>
        Answer(await operations.MetadataAsync(http, id, purpose, caseObject));

    private static Task<IResult> DownloadAsync(
        string id, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject, HttpContext http, DatasetOperations operations) =>
        operations.DownloadAsync(http, id, purpose, caseObject);

    /// <summary>The recipient acknowledges receipt; the sender sees who did and when.</summary>
    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> AcknowledgeAsync(
        string id, [FromQuery] string? purpose, [FromQuery(Name = "object")] string? caseObject, HttpContext http, DatasetOperations operations) =>
        Answer(await operations.AcknowledgeAsync(http, id, purpose, caseObject));

    /// <summary>The sender withdraws a dataset: crypto-shredded at once; the recipient sees that it was withdrawn.</summary>
    private static async Task<Results<Ok<DatasetInfo>, ProblemHttpResult>> WithdrawAsync(string id, HttpContext http, DatasetOperations operations) =>
        Answer(await operations.WithdrawAsync(http, id));

    private static Results<Ok<DatasetInfo>, ProblemHttpResult> Answer(OperationOutcome<DatasetInfo> outcome) =>
        outcome.Refusal is { } refused ? refused : TypedResults.Ok(outcome.Value!);

    private static Task<DatasetEntity?> FindVisibleAsync(CpomDbContext db, string id, Caller caller, CancellationToken cancellationToken) =>
        DatasetOperations.FindVisibleAsync(db, id, caller, cancellationToken);

    private static Task<ProblemHttpResult> NotFoundAsync(CpomDbContext db, AccessJournal journal, HttpContext http, Caller caller, string action,
        string id, string? purpose, string? caseObject) =>
        DatasetOperations.NotFoundAsync(db, journal, http, caller, action, id, purpose, caseObject);

    private static string? Code(IResult problem) => DatasetOperations.Code(problem);

    private static ProblemHttpResult Refusal(AccessDecision decision) => DatasetOperations.Refusal(decision);

    internal static DatasetInfo ToInfo(DatasetEntity d) => DatasetOperations.ToInfo(d);
}
