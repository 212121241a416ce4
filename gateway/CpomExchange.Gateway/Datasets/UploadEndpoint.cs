using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CpomExchange.Gateway.Datasets;

/// <summary>How a region-wide file was split between the SPSTI of the sending caisse.</summary>
public sealed record SplitUploadResponse(
    IReadOnlyList<DatasetInfo> Datasets,
    IReadOnlyList<SplitShare> Distribution,
    long Rows,
    long Unmatched,
    IReadOnlyList<string> WithoutAdherentsList);

/// <summary>One SPSTI's share of a split file.</summary>
public sealed record SplitShare(string To, long Rows, string? DatasetId);

internal static partial class DatasetsApi
{
    /// <summary>
    /// <c>POST /api/v1/datasets</c>: the file is read row by row, validated, minimised as the
    /// exchange's rules say, masked, encrypted, and stored for its recipient(s); the dataset rows and
    /// the access-log entries of both controllers commit together. Any bad row rejects the whole file.
    /// The work is the <see cref="UploadPipeline"/>'s; this maps its outcome to the answer.
    /// </summary>
    internal static async Task<Results<Created<DatasetInfo>, JsonHttpResult<SplitUploadResponse>, ProblemHttpResult>> UploadAsync(
        HttpContext http,
        [FromQuery] string? type,
        [FromQuery] string? to,
        [FromQuery] string? purpose,
        [FromQuery(Name = "object")] string? caseObject,
        [FromQuery] string? replyTo,
        [FromQuery] string? title,
        [FromQuery] string? replaces,
        UploadPipeline pipeline)
    {
        var parameters = new UploadParameters(type, to, purpose, caseObject, replyTo)
        {
            Title = title,
            Replaces = replaces,
            ContentType = http.Request.ContentType,
            ContentEncodings = [.. http.Request.Headers.ContentEncoding.OfType<string>()],
        };
        var outcome = await pipeline.RunAsync(http, Caller.From(http.User), parameters, http.Request.Body, http.RequestAborted);
        if (outcome.Refusal is { } refusal)
        {
            if (refusal.RetryAfter is { } wait)
            {
                http.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            return Problem.From(refusal, outcome.Details);
        }
        if (outcome.Split is { } split)
        {
            return TypedResults.Json(split, statusCode: StatusCodes.Status201Created);
        }
        var stored = outcome.Stored[0];
        return TypedResults.Created($"/api/v1/datasets/{stored.Id}", ToInfo(stored));
    }
}
