namespace CpomExchange.Gateway.Health;

/// <summary>The state of one dependency.</summary>
public sealed record DependencyState(string Name, bool Ready, string? Detail);

/// <summary>Readiness: whether the gateway can serve now.</summary>
public sealed record Readiness(bool Ready, IReadOnlyList<DependencyState> Checks);

/// <summary>
/// Liveness (<c>/health/live</c>: the process answers) and readiness (<c>/health/ready</c>: the
/// database, the payload store and the key provider answer). Both still require a client
/// certificate at the TLS handshake, like everything on this port, but no registered agent, so a
/// monitoring probe only needs a certificate of the trusted CA. They reveal no data. Readiness is
/// computed at most once every few seconds for all callers (<see cref="ReadinessProbe"/>).
/// </summary>
internal static class HealthApi
{
    /// <summary>The readiness probe; its <see cref="HealthOptions"/> come from the settings bound at start.</summary>
    public static IServiceCollection AddReadiness(this IServiceCollection services)
    {
        services.AddSingleton<ReadinessProbe>();
        return services;
    }

    public static WebApplication MapHealthApi(this WebApplication app)
    {
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "vivant" })).AllowAnonymous();
        app.MapGet("/health/ready", ReadyAsync).AllowAnonymous();
        return app;
    }

    private static async Task<IResult> ReadyAsync(HttpContext http, ReadinessProbe probe)
    {
        var readiness = await probe.GetAsync().WaitAsync(http.RequestAborted);
        if (!readiness.Ready)
        {
            http.Response.Headers.RetryAfter = "30";
        }
        return TypedResults.Json(readiness, statusCode: readiness.Ready ? 200 : 503);
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
