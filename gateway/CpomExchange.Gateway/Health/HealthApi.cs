using CpomExchange.Infrastructure.Keys;
using CpomExchange.Infrastructure.Payloads;
using CpomExchange.Infrastructure.Storage;
using Microsoft.EntityFrameworkCore;

namespace CpomExchange.Gateway.Health;

/// <summary>The state of one dependency.</summary>
public sealed record DependencyState(string Name, bool Ready, string? Detail);

/// <summary>Readiness: whether the gateway can serve now.</summary>
public sealed record Readiness(bool Ready, IReadOnlyList<DependencyState> Checks);

/// <summary>
/// Liveness (<c>/health/live</c>: the process answers) and readiness (<c>/health/ready</c>: the
/// database, the payload store and the key provider answer). Both still require a client
/// certificate at the TLS handshake, like everything on this port, but no registered agent, so a
/// monitoring probe only needs a certificate of the trusted CA. They reveal no data.
/// </summary>
internal static class HealthApi
{
    public static WebApplication MapHealthApi(this WebApplication app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "vivant" })).AllowAnonymous();
        app.MapGet("/health/ready", ReadyAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext http, CpomDbContext db, IPayloadStore store, IKeyProvider keys)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var checks = new List<DependencyState>
        {
            // Writable, not only readable: the write lock is taken and released (another process may hold it).
            await CheckAsync("base de données", () => CpomDatabase.ProbeWriteAsync(db, timeout.Token)),
            await CheckAsync("stockage des contenus", () => store.ProbeAsync(timeout.Token)),
            await CheckAsync("fournisseur de clés", async () => await keys.GetSigningKeyAsync(timeout.Token)),
        };
        var ready = checks.All(c => c.Ready);
        if (!ready)
        {
            http.Response.Headers.RetryAfter = "30";
        }
        return TypedResults.Json(new Readiness(ready, checks), statusCode: ready ? 200 : 503);
    }

    private static async Task<DependencyState> CheckAsync(string name, Func<Task> probe)
    {
        try
        {
            await probe();
            return new DependencyState(name, true, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The kind of failure only: never a path, a key id or a connection string.
            return new DependencyState(name, false, e.GetType().Name);
        }
    }
}

/// <summary>Security headers on every answer: HSTS, no sniffing, no framing, no caching of data, no referrer.</summary>
internal static class SecurityHeaders
{
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        await next();
    });
}
