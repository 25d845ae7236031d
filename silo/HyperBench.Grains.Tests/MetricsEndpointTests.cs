using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HyperBench.Grains.Tests;

/// <summary>The standalone silo's wiring (as in its Program.cs) serving real Prometheus text at /metrics after a real sweep.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AfterSweep_ExposesHyperBenchAndOrleansSeries()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-metrics-");
        int http = FreePort();
        try
        {
            var builder = WebApplication.CreateBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["HyperBench:Db"] = Path.Combine(folder.FullName, "results.db"),
                ["HyperBench:Devices"] = "cpu",
                ["HyperBench:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["HyperBench:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["HyperBench:IdlePollMilliseconds"] = "20",
                ["Urls"] = $"http://127.0.0.1:{http}",
            });
            builder.AddHyperBenchStorage();
            builder.AddHyperBenchOrleans();
            builder.AddHyperBenchDeviceWorkers();
            builder.AddHyperBenchMetrics();
            await using var app = builder.Build();
            app.MapHyperBenchMetrics();
            await app.StartAsync(ct);

            var grains = app.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<ISweepGrain>("metrics").StartAsync(TinyPlans.Flash([64, 128]));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (!(await grains.GetGrain<ISweepGrain>("metrics").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);
            using var http1 = new HttpClient();
            string text = await http1.GetStringAsync(new Uri($"http://127.0.0.1:{http}/metrics"), ct);
            await app.StopAsync(ct);

            Assert.Contains("hyperbench_cases_completed_total{", text, StringComparison.Ordinal);
            Assert.Contains("kernel=\"flash\"", text, StringComparison.Ordinal);
            Assert.Contains("hyperbench_kernel_duration_seconds_bucket{", text, StringComparison.Ordinal);
            Assert.Contains("hyperbench_case_overhead_seconds_bucket{", text, StringComparison.Ordinal);
            Assert.Contains("hyperbench_devices{", text, StringComparison.Ordinal);
            Assert.Contains("hyperbench_sweep_cases_pending", text, StringComparison.Ordinal);
            Assert.Contains("orleans_", text, StringComparison.Ordinal);
            var completed = text.Split('\n').Where(l => l.StartsWith("hyperbench_cases_completed_total{", StringComparison.Ordinal))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            Assert.Equal(2, completed);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
