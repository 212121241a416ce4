using CpomExchange.Infrastructure.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace CpomExchange.Gateway.Telemetry;

/// <summary>
/// OpenTelemetry metrics: the gateway's meter (<see cref="GatewayMetrics"/>) and those of ASP.NET
/// Core, Kestrel, HttpClient and the runtime, scraped in Prometheus format at <c>/metrics</c> and
/// pushed over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
internal static class MetricsFeature
{
    /// <summary>Where Prometheus scrapes.</summary>
    public const string Path = "/metrics";

    /// <summary>The meters exported besides the gateway's: all are built into .NET 10 and ASP.NET Core 10.</summary>
    private static readonly string[] PlatformMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Diagnostics",
        "Microsoft.AspNetCore.RateLimiting",
        "Microsoft.AspNetCore.Authentication",
        "Microsoft.AspNetCore.Authorization",
        "System.Net.Http",
        "System.Net.NameResolution",
        "System.Runtime",
    ];

    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("cpom-exchange-gateway"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(GatewayMetrics.MeterName).AddMeter(PlatformMeters);
                // No cached answer: a scrape sees every count made before it.
                metrics.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp)
                {
                    // Endpoint, protocol and headers from the standard OTEL_EXPORTER_OTLP_* variables.
                    metrics.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>
    /// <c>/metrics</c>: like the health endpoints, behind the TLS handshake's client certificate of a
    /// trusted CA but with no registered agent required, so that a Prometheus server needs only a
    /// certificate of that CA. The metrics name no person, company, dataset or agent.
    /// </summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(Path).AllowAnonymous();
        return app;
    }
}
