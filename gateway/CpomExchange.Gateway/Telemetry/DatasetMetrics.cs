using System.Diagnostics;
using CpomExchange.Gateway.Datasets;
using CpomExchange.Infrastructure.Telemetry;
using CpomExchange.Rules.Errors;
using CpomExchange.Rules.Policies;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CpomExchange.Gateway.Telemetry;

/// <summary>
/// Endpoint filters that measure the upload and download endpoints from outside: the handlers stay
/// as they are, and what is counted is what they answered (a stored dataset, a problem with its code).
/// </summary>
internal static class DatasetMetrics
{
    /// <summary>Measures the upload endpoint's duration by outcome (the pipeline counts datasets, rows and bytes).</summary>
    public static RouteHandlerBuilder WithUploadMetrics(this RouteHandlerBuilder route) => route.AddEndpointFilter(UploadAsync);

    /// <summary>Measures the download endpoint (<see cref="GatewayMetrics.DownloadDuration"/>, bytes sent).</summary>
    public static RouteHandlerBuilder WithDownloadMetrics(this RouteHandlerBuilder route) => route.AddEndpointFilter(DownloadAsync);

    private static async ValueTask<object?> UploadAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var start = Stopwatch.GetTimestamp();
        var policies = http.RequestServices.GetRequiredService<PolicySet>();
        // The query's type, only if the catalogue has it: a label never carries what a caller typed.
        var exchange = GatewayMetrics.Exchange(http.Request.Query["type"].ToString(), policies.Exchanges.ContainsKey);
        var outcome = "failed";
        try
        {
            // The datasets, rows and bytes are counted by the upload pipeline, which every face goes through.
            var result = await next(context);
            outcome = Unwrap(result) switch
            {
                ProblemHttpResult => "refused",
                Created<DatasetInfo> or JsonHttpResult<SplitUploadResponse> => "accepted",
                _ => outcome,
            };
            return result;
        }
        finally
        {
            GatewayMetrics.UploadDuration.Record(GatewayMetrics.SecondsSince(start), exchange, new("outcome", outcome));
        }
    }

    private static async ValueTask<object?> DownloadAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var start = Stopwatch.GetTimestamp();
        var outcome = "failed";
        try
        {
            // The handler streams the content before it returns: the time includes the last byte.
            var result = await next(context);
            if (Unwrap(result) is ProblemHttpResult)
            {
                outcome = "refused";
            }
            else if (http.Response.StatusCode == StatusCodes.Status200OK && !http.RequestAborted.IsCancellationRequested)
            {
                outcome = "served";
                GatewayMetrics.BytesSent.Add(http.Response.ContentLength ?? 0);
            }
            return result;
        }
        finally
        {
            GatewayMetrics.DownloadDuration.Record(GatewayMetrics.SecondsSince(start), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static object? Unwrap(object? result) => result is INestedHttpResult nested ? nested.Result : result;
}
