using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HyperBench.Observability.Tests;

/// <summary>The standalone silo's wiring (as in its Program.cs) serving real Prometheus text at /metrics after a real sweep.</summary>
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
            await using var app = BuildSilo(folder.FullName, http);
            await app.StartAsync(ct);

            var grains = app.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<ISweepGrain>("metrics").StartAsync(TinyPlan.Flash([64, 128]));
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

    [Fact]
    public async Task Prometheus_ScrapingSiloDuringSweep_SeesEveryCaseAndKernelDurations()
    {
        var ct = TestContext.Current.CancellationToken;
        string binary = PrometheusProcess.RequireBinary();
        var folder = Directory.CreateTempSubdirectory("hyperbench-prometheus-silo-");
        int http = FreePort();
        try
        {
            await using var app = BuildSilo(folder.FullName, http);
            await app.StartAsync(ct);
            await using var prometheus = await PrometheusProcess.StartAsync(binary, $"127.0.0.1:{http}", ct);

            var grains = app.Services.GetRequiredService<IGrainFactory>();
            var plan = TinyPlan.Flash([64, 96, 128]);
            await grains.GetGrain<ISweepGrain>("scraped").StartAsync(plan);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (!(await grains.GetGrain<ISweepGrain>("scraped").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);

            // What Prometheus stored from its own scrapes: the target is up, every case counted, a duration per n.
            var up = await prometheus.WaitForAsync("up{job=\"hyperbench-silo\"}", r => r.Count == 1 && r[0].Value == 1, TimeSpan.FromSeconds(30), ct);
            Assert.True(up.Count == 1 && up[0].Value == 1, "Prometheus could not scrape the silo's /metrics");
            var completed = await prometheus.WaitForAsync("sum(hyperbench_cases_completed_total)", r => r.Count == 1 && r[0].Value >= 3,
                TimeSpan.FromSeconds(30), ct);
            Assert.Equal(3, Assert.Single(completed).Value);
            var durations = await prometheus.QueryAsync("hyperbench_kernel_duration_seconds_count", ct);
            Assert.Equal(["128", "64", "96"], durations.Select(d => d.Labels["n"]).Order(StringComparer.Ordinal).ToArray());
            Assert.All(durations, d => Assert.Equal("flash", d.Labels["kernel"]));
            Assert.All(durations, d => Assert.Equal(1, d.Value)); // one observation (the case's median) per case
            var sums = await prometheus.QueryAsync("hyperbench_kernel_duration_seconds_sum", ct);
            Assert.All(sums, d => Assert.InRange(d.Value, 1e-7, 1.0));
            var orleans = await prometheus.QueryAsync("count({__name__=~\"orleans_.*\"})", ct);
            Assert.True(Assert.Single(orleans).Value > 10, "Orleans' own series are missing");
            await app.StopAsync(ct);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The standalone silo's wiring, as in its Program.cs: store, Orleans, a cpu worker and /metrics on <paramref name="http"/>.</summary>
    private static WebApplication BuildSilo(string folder, int http)
    {
        int[] ports = FreePorts(2, except: http);
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Db"] = Path.Combine(folder, "results.db"),
            ["HyperBench:Devices"] = "cpu",
            ["HyperBench:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["HyperBench:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["HyperBench:IdlePollMilliseconds"] = "20",
            ["Urls"] = $"http://127.0.0.1:{http}",
        });
        builder.AddHyperBenchStorage();
        builder.AddHyperBenchOrleans();
        builder.AddHyperBenchDeviceWorkers();
        builder.AddHyperBenchMetrics();
        var app = builder.Build();
        app.MapHyperBenchMetrics();
        return app;
    }

    private static int FreePort() => FreePorts(1, except: 0)[0];

    /// <summary>
    /// Distinct free loopback ports, found with all their listeners open at once: asked one after the other, the system can hand
    /// the same port back twice.
    /// </summary>
    private static int[] FreePorts(int count, int except)
    {
        var listeners = new List<TcpListener>();
        try
        {
            while (listeners.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                if (((IPEndPoint)listener.LocalEndpoint).Port == except) { listener.Stop(); continue; }
                listeners.Add(listener);
            }
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var l in listeners) l.Stop();
        }
    }
}
