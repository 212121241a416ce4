using CpomExchange.Infrastructure.Minimisation;

namespace CpomExchange.Gateway.Datasets;

/// <summary>The datasets feature's services: decisions, the upload pipeline and its reads, shredding and retention.</summary>
internal static class DatasetsFeature
{
    public static IServiceCollection AddDatasets(this IServiceCollection services)
    {
        services.AddScoped<AccessDecisions>();
        services.AddScoped<LinkedDatasets>();
        services.AddScoped<UploadPipeline>();
        services.AddScoped<DatasetShredder>();
        services.AddHostedService<DatasetRetentionService>();
        return services;
    }
}
