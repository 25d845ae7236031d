using System.Globalization;
using System.Net;
using HyperBench.Contracts;
using HyperBench.Grains;
using HyperBench.Hosting;
using HyperBench.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HyperBench.Observability.Tests;

/// <summary>The standalone silo's wiring (as in its Program.cs) serving real Prometheus text at /metrics after a real sweep.</summary>
[Collection(SiloCollection.Name)]
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AfterSweep_ExposesEverySeriesWithItsLabelsAndBuckets()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-metrics-");
        int http = TestSilo.FreePort();
        try
        {
            await using var app = TestSilo.Build(folder.FullName, http);
            await app.StartAsync(ct);

            var grains = app.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<ISweepGrain>("metrics").StartAsync(TinyPlan.Flash([64, 128]));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (!(await grains.GetGrain<ISweepGrain>("metrics").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);
            using var client = new HttpClient();
            string text = await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/metrics"), ct);
            using var health = await client.GetAsync(new Uri($"http://127.0.0.1:{http}/health"), ct);
            string healthBody = await health.Content.ReadAsStringAsync(ct);
            await app.StopAsync(ct);

            var page = MetricsPage.Parse(text);
            var completed = page.Samples("hyperbench_cases_completed_total");
            Assert.Equal(2, completed.Sum(s => s.Value));
            Assert.All(completed, s => Assert.Equal(
                ("flash", "false", "fwd", "fp32", "cpu"), (s.Labels["kernel"], s.Labels["causal"], s.Labels["pass"], s.Labels["dtype"], s.Labels["device"])));
            Assert.Equal(["128", "64"], completed.Select(s => s.Labels["n"]).Order(StringComparer.Ordinal));
            Assert.DoesNotContain(completed, s => s.Labels.ContainsKey("silo"));

            // The duration buckets: 1-2-5 per decade from 10 us to 100 s, then +Inf, for every case; the case's median in one of them.
            var buckets = page.Samples("hyperbench_kernel_duration_seconds_bucket").Where(s => s.Labels["n"] == "64").ToList();
            string[] expected = [.. HyperBenchMetrics.KernelDurationBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"];
            Assert.Equal(["1E-05", "2E-05", "5E-05", "0.0001", "0.0002", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1",
                "0.2", "0.5", "1", "2", "5", "10", "20", "50", "100", "+Inf"], expected);
            Assert.Equal(expected.Select(Le), buckets.Select(b => Le(b.Labels["le"])));
            Assert.Equal("fp32", buckets[0].Labels["dtype"]);
            Assert.Equal(1, buckets[^1].Value);
            Assert.Equal(0, buckets[0].Value); // no cpu flash at n = 64 runs in 10 us

            var info = Assert.Single(page.Samples("hyperbench_device_info"));
            Assert.Equal(1, info.Value);
            Assert.Equal(("cpu", "cpu", "", "", ""), (info.Labels["device"], info.Labels["kind"], info.Labels["pci_bus_id"], info.Labels["uuid"], info.Labels["driver"]));
            Assert.False(string.IsNullOrEmpty(info.Labels["model"]));

            var busy = Assert.Single(page.Samples("hyperbench_device_busy_seconds_total"));
            Assert.Equal("cpu", busy.Labels["device"]);
            Assert.InRange(busy.Value, 1e-6, 60);

            var build = Assert.Single(page.Samples("hyperbench_build_info"));
            Assert.Equal(1, build.Value);
            Assert.All(new[] { "version", "commit", "ilgpu", "dotnet" }, l => Assert.False(string.IsNullOrEmpty(build.Labels[l]), l));
            Assert.StartsWith(".NET ", build.Labels["dotnet"], StringComparison.Ordinal);

            Assert.NotEmpty(page.Samples("hyperbench_case_overhead_seconds_bucket"));
            Assert.NotEmpty(page.Samples("hyperbench_devices"));
            Assert.NotEmpty(page.Samples("hyperbench_sweep_cases_pending"));
            Assert.Contains(page.Names, n => n.StartsWith("orleans_", StringComparison.Ordinal));
            Assert.Contains(page.Names, n => n.StartsWith("dotnet_", StringComparison.Ordinal)); // the System.Runtime meter

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal("Healthy", healthBody);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Promtool_CheckMetrics_AcceptsTheSilosPage()
    {
        var ct = TestContext.Current.CancellationToken;
        string promtool = PrometheusProcess.RequirePromtool();
        var folder = Directory.CreateTempSubdirectory("hyperbench-metrics-lint-");
        int http = TestSilo.FreePort();
        try
        {
            await using var app = TestSilo.Build(folder.FullName, http);
            await app.StartAsync(ct);
            var grains = app.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<ISweepGrain>("lint").StartAsync(TinyPlan.Flash([64]));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (!(await grains.GetGrain<ISweepGrain>("lint").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);
            using var client = new HttpClient();
            string text = await client.GetStringAsync(new Uri($"http://127.0.0.1:{http}/metrics"), ct);
            await app.StopAsync(ct);

            var (exit, output) = await PrometheusProcess.PromtoolAsync(promtool, ["check", "metrics"], text, ct);

            // Our own series must be clean; what promtool says about Orleans' and the runtime's series is theirs (docs/metrics.md).
            var ours = output.Split('\n').Where(l => l.Contains("hyperbench_", StringComparison.Ordinal)).ToList();
            Assert.True(ours.Count == 0, "promtool check metrics on our series:\n" + string.Join('\n', ours));
            var foreign = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Where(l => !MetricsPage.ForeignLintAccepted.Any(p => l.Contains(p, StringComparison.Ordinal))).ToList();
            Assert.True(exit == 0 || foreign.Count == 0, $"promtool check metrics exited {exit}:\n{output}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Health_StoreDropped_Returns503Unhealthy()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var postgres = await Grains.Tests.TestPostgres.CreateDatabaseAsync(ct);
        var folder = Directory.CreateTempSubdirectory("hyperbench-health-");
        int http = TestSilo.FreePort();
        try
        {
            await using var app = TestSilo.Build(folder.FullName, http, b => b.Configuration["HyperBench:Db"] = postgres.ConnectionString);
            await app.StartAsync(ct);
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var uri = new Uri($"http://127.0.0.1:{http}/health");
            using var before = await client.GetAsync(uri, ct);

            await using (var admin = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES")))
            {
                await admin.OpenAsync(ct);
                string name = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString).Database!;
                await using var drop = new Npgsql.NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE)", admin);
                await drop.ExecuteNonQueryAsync(ct);
            }
            using var after = await client.GetAsync(uri, ct);
            string body = await after.Content.ReadAsStringAsync(ct);
            await app.StopAsync(ct);

            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, after.StatusCode);
            Assert.Equal("Unhealthy", body);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Listener_AspNetCoreUrlsSet_TakesPrecedenceOverMetricsPort()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-urls-");
        int[] ports = TestSilo.FreePorts(2, except: 0);
        try
        {
            // HyperBench:MetricsPort is ports[0]; ASPNETCORE_URLS (configuration key "urls") names ports[1] and wins.
            await using var app = TestSilo.Build(folder.FullName, ports[0], b => b.Configuration["urls"] = $"http://127.0.0.1:{ports[1]}");
            await app.StartAsync(ct);
            using var client = new HttpClient();
            using var health = await client.GetAsync(new Uri($"http://127.0.0.1:{ports[1]}/health"), ct);
            var unused = await Record.ExceptionAsync(() => client.GetAsync(new Uri($"http://127.0.0.1:{ports[0]}/health"), ct));
            await app.StopAsync(ct);

            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.IsType<HttpRequestException>(unused); // nothing listens on the MetricsPort then
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("MetricsAddress", "localhost", "HyperBench:MetricsAddress = 'localhost' is not an IP address")]
    [InlineData("MetricsPort", "70000", "HyperBench:MetricsPort = '70000'")]
    [InlineData("MetricsPort", "11111", "HyperBench:MetricsPort = '11111' is also the silo or gateway port")]
    public void MetricsSettings_BadValue_NamedInTheError(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["HyperBench:" + key] = value }).Build();

        var ex = Assert.Throws<OptionsValidationException>(() => HyperBenchSettings.Read(configuration));

        Assert.Contains(ex.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void MetricsSettings_Default_LoopbackOn9464()
    {
        var options = HyperBenchSettings.Read(new ConfigurationBuilder().Build()).Silo;

        Assert.Equal("http://127.0.0.1:9464", MetricsExtensions.MetricsUrl(options));
        Assert.Equal("http://[::1]:9500", MetricsExtensions.MetricsUrl(new HyperBenchSiloOptions { MetricsAddress = "::1", MetricsPort = 9500 }));
    }

    private static double Le(string le) => le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
}
