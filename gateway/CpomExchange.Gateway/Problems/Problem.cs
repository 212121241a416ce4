using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Problems;

/// <summary>Refusals as <c>application/problem+json</c>: a French title and detail, a stable <c>code</c>.</summary>
internal static class Problem
{
    /// <summary>A problem whose title comes from the catalogue entry of <paramref name="code"/>.</summary>
    public static ProblemHttpResult Of(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
            {
                ext[key] = value;
            }
        }
        return TypedResults.Problem(detail: detail, statusCode: status, title: ErrorCatalog.Title(code), extensions: ext);
    }

    /// <summary>The answer to a refusal the rules decided: its status and title are the catalogue entry's.</summary>
    public static ProblemHttpResult From(Refusal refusal, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return Of(refusal.Status, refusal.Code, refusal.Detail, extensions);
    }

    /// <summary>Writes a problem directly to the response (outside endpoint results).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string detail) =>
        Of(status, code, detail).ExecuteAsync(context);
}
