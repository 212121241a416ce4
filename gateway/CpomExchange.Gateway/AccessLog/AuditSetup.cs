using CpomExchange.Infrastructure.AccessLog;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>The DPO's review of the access log, for the API and the console.</summary>
internal static class AuditSetup
{
    /// <summary>Registers the review's services: listing, export, verification and proofs, the overview, the pinned checks.</summary>
    public static IServiceCollection AddAccessLogReview(this IServiceCollection services)
    {
        services.AddScoped<AuditService>();
        services.AddScoped<AccessLogSummary>();
        services.AddScoped<AuditOverviewService>();
        services.AddScoped<PinnedVerification>();
        return services;
    }
}
