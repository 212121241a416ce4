using System.Text.Json;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.WebConsole;

/// <summary>One row error of a refused file, as the API lists it.</summary>
internal sealed record RowError(long Line, string? Column, string? Value, string Code, string Reason);

/// <summary>
/// What the API's upload answered a console page (<see cref="ConsoleUpload.SendAsync"/>): the receipt
/// of an accepted file (one dataset, or several for a region-wide file, with its split), or the
/// refusal, with the row errors of a refused file. Read in this one place for every page that sends.
/// </summary>
internal sealed record UploadAnswer(IReadOnlyList<DatasetInfo> Receipt, SplitUploadResponse? Split, ProblemHttpResult? Refusal,
    IReadOnlyList<RowError> Errors, long ErrorCount)
{
    /// <summary>True when the file was stored.</summary>
    public bool Accepted => Refusal is null && Receipt.Count > 0;

    /// <summary>Reads the upload's answer.</summary>
    public static UploadAnswer From(IResult result)
    {
        // A typed endpoint's union (Results<Created<…>, …, ProblemHttpResult>) holds the answer itself.
        while (result is INestedHttpResult nested)
        {
            result = nested.Result;
        }
        switch (result)
        {
            case Created<DatasetInfo> created:
                return new UploadAnswer([created.Value!], null, null, [], 0);
            case JsonHttpResult<SplitUploadResponse> split:
                return new UploadAnswer(split.Value!.Datasets, split.Value, null, [], 0);
            case ProblemHttpResult problem:
                IReadOnlyList<RowError> errors = [];
                long count = 0;
                if (problem.ProblemDetails.Extensions.TryGetValue("errors", out var listed) && listed is not null)
                {
                    errors = JsonSerializer.SerializeToElement(listed).EnumerateArray().Select(e => new RowError(
                        e.GetProperty("line").GetInt64(), e.GetProperty("column").GetString(), e.GetProperty("value").GetString(),
                        e.GetProperty("code").GetString()!, e.GetProperty("reason").GetString()!)).ToList();
                    count = problem.ProblemDetails.Extensions.TryGetValue("errorCount", out var total) && total is not null
                        ? JsonSerializer.SerializeToElement(total).GetInt64()
                        : errors.Count;
                }
                return new UploadAnswer([], null, problem, errors, count);
            default:
                return new UploadAnswer([], null, Problem.Of(500, ErrorCatalog.Internal, "Réponse inattendue du dépôt."), [], 0);
        }
    }
}
