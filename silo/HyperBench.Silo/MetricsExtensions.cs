using HyperBench.Grains;
using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace HyperBench.Silo;

/// <summary>
/// The silo's HTTP side: /metrics (OpenTelemetry with the "HyperBench", Orleans and System.Runtime meters, Prometheus text format,
/// docs/metrics.md) and /health, on HyperBench:MetricsAddress:MetricsPort. Lives in the ASP.NET Core host, not in
/// HyperBench.Hosting, so the CLI (which embeds a silo without /metrics) carries no web stack.
/// </summary>
public static class MetricsExtensions
{
    /// <summary>The .NET runtime's own meter (GC, thread pool, exceptions, CPU), exported as dotnet_* series.</summary>
    public const string RuntimeMeter = "System.Runtime";

    public static WebApplicationBuilder AddHyperBenchMetrics(this WebApplicationBuilder builder, string serviceName = "hyperbench-silo")
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = HyperBenchSettings.Read(builder.Configuration).Silo;
        // An explicit ASP.NET Core address (ASPNETCORE_URLS, --urls, "Urls") still wins, so existing deployments keep their port;
        // otherwise the silo listens where the HyperBench settings say (loopback by default).
        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            builder.WebHost.UseUrls(MetricsUrl(options));

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m.AddMeter(HyperBenchMetrics.MeterName).AddMeter("Microsoft.Orleans").AddMeter(RuntimeMeter).AddPrometheusExporter());
        builder.Services.AddHealthChecks()
            .AddCheck<SiloHealthCheck>("orleans")
            .AddCheck<StoreHealthCheck>("store");
        return builder;
    }

    /// <summary>The listener of <see cref="HyperBenchSiloOptions.MetricsAddress"/> and <see cref="HyperBenchSiloOptions.MetricsPort"/>.</summary>
    public static string MetricsUrl(HyperBenchSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string host = System.Net.IPAddress.Parse(options.MetricsAddress).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{options.MetricsAddress}]"
            : options.MetricsAddress;
        return $"http://{host}:{options.MetricsPort}";
    }

    /// <summary>Serves the metrics at /metrics (Prometheus text format) and the health checks at /health (200 Healthy, else 503).</summary>
    public static IEndpointRouteBuilder MapHyperBenchMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint();
        app.MapHealthChecks("/health");
        return app;
    }
}

/// <summary>Healthy while this silo is an active member of its cluster.</summary>
internal sealed class SiloHealthCheck(ISiloStatusOracle oracle) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy("silo active")
            : HealthCheckResult.Unhealthy($"silo {oracle.CurrentStatus}"));
}

/// <summary>Healthy while the results store answers a query (bounded: a database that hangs counts as down after 5 s).</summary>
internal sealed class StoreHealthCheck(ISweepStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await store.ListSweepsAsync(limit: 1, timeout.Token);
            return HealthCheckResult.Healthy("store reachable");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"store unreachable: {ex.Message}");
        }
    }
}
