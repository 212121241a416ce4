namespace CpomExchange.Gateway.Datasets;

/// <summary>The wiring of the dataset operations, which the API and the console share.</summary>
internal static class DatasetOperationsSetup
{
    /// <summary>Registers <see cref="DatasetOperations"/>, one per request (it works in the request's database context).</summary>
    public static IServiceCollection AddDatasetOperations(this IServiceCollection services)
    {
        services.AddScoped<DatasetOperations>();
        return services;
    }
}
