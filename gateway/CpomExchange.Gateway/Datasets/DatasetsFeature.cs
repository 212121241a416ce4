using CpomExchange.Infrastructure.Minimisation;

namespace CpomExchange.Gateway.Datasets;

/// <summary>The datasets feature's services: decisions, the upload pipeline and its reads, the operations the API and the console share, shredding and retention.</summary>
internal static class DatasetsFeature
{
    public static IServiceCollection AddDatasets(this IServiceCollection services)
    {
        services.AddScoped<AccessDecisions>();
        services.AddScoped<LinkedDatasets>();
        services.AddScoped<UploadPipeline>();
        // One per request (it works in the request's database context); the API and the console share it.
        services.AddScoped<DatasetOperations>();
        services.AddScoped<DatasetShredder>();
        services.AddHostedService<DatasetRetentionService>();
        return services;
    }
}
