using HyperBench.Grains;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HyperBench.Silo;

/// <summary>
/// The silo's /metrics: OpenTelemetry with the "HyperBench" meter and Orleans' meters, exported in Prometheus text format.
/// Lives in the ASP.NET Core host, not in HyperBench.Hosting, so the CLI (which embeds a silo without /metrics) carries no web stack.
/// </summary>
public static class MetricsExtensions
{
    public static IHostApplicationBuilder AddHyperBenchMetrics(this IHostApplicationBuilder builder, string serviceName = "hyperbench-silo")
    {
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m.AddMeter(HyperBenchMetrics.MeterName).AddMeter("Microsoft.Orleans").AddPrometheusExporter());
        return builder;
    }

    /// <summary>Serves the metrics at /metrics (Prometheus text format).</summary>
    public static IEndpointRouteBuilder MapHyperBenchMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint();
        return app;
    }
}
