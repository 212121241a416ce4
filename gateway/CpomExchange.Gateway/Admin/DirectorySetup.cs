namespace CpomExchange.Gateway.Admin;

/// <summary>The administration of the directory, for the API and the console.</summary>
internal static class DirectorySetup
{
    /// <summary>Registers <see cref="DirectoryService"/>.</summary>
    public static IServiceCollection AddDirectoryAdministration(this IServiceCollection services)
    {
        services.AddScoped<DirectoryService>();
        return services;
    }
}
