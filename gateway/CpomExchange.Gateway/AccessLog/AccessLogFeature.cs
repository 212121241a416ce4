using CpomExchange.Infrastructure.AccessLog;

namespace CpomExchange.Gateway.AccessLog;

/// <summary>The access log's services: the writer and its batcher, checkpoints and retention, the journal endpoints write through, the reader and what this process verified.</summary>
internal static class AccessLogFeature
{
    public static IServiceCollection AddAccessLog(this IServiceCollection services)
    {
        services.AddSingleton<AccessLogWriter>();
        services.AddSingleton<AccessLogMaintenance>();
        services.AddSingleton<AccessLogBatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogBatcher>());
        services.AddHostedService<AccessLogMaintenanceService>();
        services.AddScoped<AccessJournal>();
        services.AddScoped<AccessLogReader>();
        // What this process verified of each log (the incremental verifications start there): one per process.
        services.AddSingleton<VerifiedCheckpoints>();
        return services;
    }
}
