using System.Globalization;
using System.Threading.RateLimiting;
using CpomExchange.Gateway.Authentication;
using CpomExchange.Gateway.Hosting;
using CpomExchange.Gateway.Problems;
using CpomExchange.Infrastructure.Telemetry;
using CpomExchange.Rules.Errors;

namespace CpomExchange.Gateway.Limits;

/// <summary>
/// Requests per organisation per minute (all its agents together), after authentication: a
/// misbehaving client slows down its own organisation, not the others.
/// </summary>
internal static class OrganisationRateLimit
{
    public static IServiceCollection AddOrganisationRateLimit(this IServiceCollection services, LimitOptions limits)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var organisation = http.User.FindFirst(CpomClaims.Organisation)?.Value
                    ?? http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value;
                return organisation is null
                    ? RateLimitPartition.GetNoLimiter("anonymous")
                    : RateLimitPartition.GetFixedWindowLimiter(organisation, _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.RequestsPerMinutePerOrganisation,
                        Window = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                    });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(60);
                GatewayMetrics.RateLimited(ErrorCatalog.RateLimited);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problem.Of(429, ErrorCatalog.RateLimited,
                    $"Votre organisation a dépassé {limits.RequestsPerMinutePerOrganisation} requêtes par minute : réessayez dans {(int)Math.Ceiling(retry.TotalSeconds)} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
