namespace CpomExchange.Gateway.Admin;

/// <summary>The key maintenance (rotations asked for, re-wrapping), run by the instance that holds the lease.</summary>
internal static class KeysFeature
{
    public static IServiceCollection AddKeyMaintenance(this IServiceCollection services)
    {
        services.AddSingleton<KeyMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyMaintenanceService>());
        return services;
    }
}
