using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Problems;
using CpomExchange.Rules.Errors;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace CpomExchange.Gateway.Limits;

/// <summary>Endpoint metadata: this route reads a file body, up to <c>Cpom:Limits:MaxBodyBytes</c>.</summary>
internal sealed class LargeBodyMetadata
{
    public static readonly LargeBodyMetadata Instance = new();

    private LargeBodyMetadata()
    {
    }
}

/// <summary>
/// Per-endpoint body limits (issue 14.4). Only a route marked <see cref="AcceptsLargeBody"/> (the file
/// upload) may receive up to <c>Cpom:Limits:MaxBodyBytes</c>; every other request carries a JSON body
/// of a few KiB at most (<c>Cpom:Limits:MaxJsonBodyBytes</c>). Such a body is read here, before
/// authentication and binding, into memory (it is small), so that a larger one is answered
/// <c>413 request.body-too-large</c> whether it declares its length or comes in chunks. Nothing of
/// an oversized body is kept: up to <see cref="DrainBytes"/> of it are read and dropped, so that a
/// client still sending it gets the answer rather than a broken connection; beyond, Kestrel stops
/// reading and the connection is cut.
/// </summary>
internal static class RequestBodyLimits
{
    /// <summary>How much of an oversized body is read (and dropped) before the answer.</summary>
    public const long DrainBytes = 1024 * 1024;

    /// <summary>Lets this route receive a file body up to <c>Cpom:Limits:MaxBodyBytes</c>.</summary>
    public static RouteHandlerBuilder AcceptsLargeBody(this RouteHandlerBuilder route) => route.WithMetadata(LargeBodyMetadata.Instance);

    /// <summary>Applies the body limit of each request's endpoint (after routing, before authentication).</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<LargeBodyMetadata>() is not null)
        {
            await next(http);
            return;
        }
        var limit = http.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.Limits.MaxJsonBodyBytes;
        var readAtMost = Math.Max(limit, DrainBytes);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            // Kestrel reads no more than that, including when it drains a body nobody read.
            size.MaxRequestBodySize = readAtMost;
        }
        if (http.Request.ContentLength > readAtMost)
        {
            await TooLargeAsync(http, limit);
            return;
        }
        if (http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == false || http.Request.ContentLength == 0)
        {
            await next(http);
            return;
        }
        var body = new MemoryStream();
        http.Response.RegisterForDispose(body);
        var buffer = new byte[4096];
        var tooLarge = false;
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
            {
                // Past the limit, the rest is read only to be dropped.
                tooLarge |= body.Length + read > limit;
                if (!tooLarge)
                {
                    body.Write(buffer, 0, read);
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            tooLarge = true;
        }
        if (tooLarge)
        {
            await TooLargeAsync(http, limit);
            return;
        }
        body.Position = 0;
        http.Request.Body = body;
        await next(http);
    });

    private static Task TooLargeAsync(HttpContext http, long limit)
    {
        if (HttpProtocol.IsHttp11(http.Request.Protocol))
        {
            http.Response.Headers.Connection = "close";
        }
        return Problem.WriteAsync(http, 413, ErrorCatalog.BodyTooLarge,
            $"Cette requête porte un corps de plus de {limit} octets : seul le dépôt d'un fichier (POST /api/v1/datasets) en accepte davantage.");
    }
}
