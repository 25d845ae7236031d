using System.Text.RegularExpressions;
using HyperBench.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace HyperBench.Observability.Tests;

/// <summary>
/// A real Prometheus, loading the repository's rule files, scrapes a real silo (the standalone silo's wiring) during a tiny sweep with
/// retries, two failures and a skipped case; then every PromQL expression of the Cluster dashboard, every recording rule and every alert (its
/// comparison removed) must parse and return at least one series, and the failure-ratio alert, whose threshold the forced failures
/// exceed, must be pending or firing. The GPU dashboard's DCGM expressions have no data here: they must parse (their values are
/// checked by promtool on synthetic series, <see cref="ObservabilityConfigTests"/>).
/// </summary>
[Collection(SiloCollection.Name)]
public sealed partial class ClusterDashboardTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Prometheus_ScrapingSiloWithFailureAndRetry_AnswersEveryDashboardAndRuleExpression()
    {
        var ct = TestContext.Current.CancellationToken;
        string binary = PrometheusProcess.RequireBinary();
        var folder = Directory.CreateTempSubdirectory("hyperbench-dashboards-");
        int http = TestSilo.FreePort();
        try
        {
            // The cpu device advertises 256 MiB, so a case of 0.5 GiB is skipped (no device can hold it).
            await using var app = TestSilo.Build(folder.FullName, http,
                b => b.Configuration["HyperBench:DeviceMemoryLimitBytes"] = (256L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
            await app.StartAsync(ct);
            string[] rules = [.. ObservabilityConfigTests.RuleFiles().Select(f => Path.Combine(RepositoryPaths.Root, f))];
            await using var prometheus = await PrometheusProcess.StartAsync(binary, $"127.0.0.1:{http}", ct, rules);
            var grains = app.Services.GetRequiredService<IGrainFactory>();

            // Measured: three cases on the silo's cpu worker; skipped: one too big for it (n = 64k with 8 heads of 64: 4 x 128 MiB).
            await grains.GetGrain<ISweepGrain>("measured").StartAsync(TinyPlan.Flash([64, 96, 128]));
            var big = TinyPlan.Flash([65536]);
            await grains.GetGrain<ISweepGrain>("too-big").StartAsync(big with { Grid = big.Grid with { Heads = [8] } });
            // Failed and retried: a sweep only CUDA devices may run, leased by a made-up GPU that gives every lease back. With two
            // attempts per case the first abandon is a retry and the second of the same case a failure (the grain leases the first
            // pending case, so it is the same case until it fails: 64 twice, then 96 twice; 128 stays pending). Two failures, with a scrape
            // between them, so that the failure counter rises within Prometheus' window (its first sample is not an increase).
            var gpuOnly = grains.GetGrain<ISweepGrain>("gpu-only");
            await gpuOnly.StartAsync(TinyPlan.Flash([64, 96, 128]) with { MaxAttempts = 2, Devices = ["cuda"] });
            var gpu = new DeviceView("10.9.9.9:11111/cuda:0", "cuda:0", "cuda", "test GPU", 1L << 30, "", "10.9.9.9:11111", DateTime.UtcNow);
            await AbandonUntilFailedAsync(gpuOnly, gpu, failed: 1, ct);
            await prometheus.WaitForAsync("sum(hyperbench_cases_failed_total)", r => r.Count == 1 && r[0].Value == 1, Patience, ct);
            await AbandonUntilFailedAsync(gpuOnly, gpu, failed: 2, ct);
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(Patience);
                while (!(await grains.GetGrain<ISweepGrain>("measured").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);
            }
            var status = await gpuOnly.GetStatusAsync();
            Assert.Equal((2, 1, false), (status.Failed, status.Pending, status.Finished)); // the third case waits: pending > 0

            // What Prometheus stored from its own scrapes.
            var completed = await prometheus.WaitForAsync("sum(hyperbench_cases_completed_total)", r => r.Count == 1 && r[0].Value == 3, Patience, ct);
            Assert.Equal(3, Assert.Single(completed).Value);
            var failed = await prometheus.WaitForAsync("sum(hyperbench_cases_failed_total)", r => r.Count == 1 && r[0].Value == 2, Patience, ct);
            Assert.Equal(2, Assert.Single(failed).Value);
            var retries = await prometheus.WaitForAsync("sum(hyperbench_case_retries_total)", r => r.Count == 1 && r[0].Value >= 2, Patience, ct);
            Assert.Equal(2, Assert.Single(retries).Value); // each failed case was retried once first
            var durations = await prometheus.QueryAsync("hyperbench_kernel_duration_seconds_count", ct);
            Assert.Equal(["128", "64", "96"], durations.Select(d => d.Labels["n"]).Order(StringComparer.Ordinal).ToArray());
            Assert.All(durations, d => Assert.Equal(("flash", "fp32", "cpu", 1.0), (d.Labels["kernel"], d.Labels["dtype"], d.Labels["device"], d.Value)));
            var skipped = await prometheus.WaitForAsync("sum(hyperbench_cases_skipped_total)", r => r.Count == 1 && r[0].Value == 1, Patience, ct);
            Assert.Equal(1, Assert.Single(skipped).Value);
            var failedSeries = Assert.Single(await prometheus.QueryAsync("hyperbench_cases_failed_total", ct));
            Assert.Equal(("flash", "cuda:0"), (failedSeries.Labels["kernel"], failedSeries.Labels["device"]));

            // The failure-ratio alert: 2 failed of 2 + 0 newly completed in Prometheus' window, far above its 10 %.
            var alert = await prometheus.WaitForAsync("ALERTS{alertname=\"HyperBenchCaseFailureRatioHigh\"}", r => r.Count == 1, Patience, ct);
            Assert.Contains(Assert.Single(alert).Labels["alertstate"], new[] { "pending", "firing" });

            // Every rule Prometheus loaded evaluates without error, and each answers with data.
            using var loaded = await prometheus.GetAsync("api/v1/rules", ct);
            var ruleList = loaded.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(g => g.GetProperty("rules").EnumerateArray())
                .Select(r => (Type: r.GetProperty("type").GetString()!, Name: r.GetProperty("name").GetString()!, Query: r.GetProperty("query").GetString()!,
                    Health: r.GetProperty("health").GetString()!, Error: r.TryGetProperty("lastError", out var e) ? e.GetString() : null))
                .ToList();
            Assert.Equal(ObservabilityConfigTests.RuleCount(), ruleList.Count);
            Assert.Equal(3, ruleList.Count(r => r.Type == "alerting"));
            var failures = new List<string>();
            foreach (var rule in ruleList)
            {
                // Alerts: the expression as written must parse; with its final comparison removed it must return the series it watches.
                string probe = rule.Type == "alerting" ? WithoutComparison(rule.Query) : rule.Query;
                if (rule.Type == "alerting") await prometheus.QueryAsync(rule.Query, ct);
                var result = await prometheus.WaitForAsync(probe, r => r.Count > 0, Patience, ct);
                if (rule.Health == "err") failures.Add($"{rule.Type} {rule.Name}: {rule.Error}");
                if (result.Count == 0) failures.Add($"{rule.Type} {rule.Name}: '{probe}' returned no series");
            }

            // Every Cluster panel and variable returns data.
            foreach (var (panel, expr) in PrometheusQueries.Panels("cluster.json"))
            {
                var result = await prometheus.WaitForAsync(expr, r => r.Count > 0, Patience, ct);
                if (result.Count == 0) failures.Add($"cluster.json {panel}: '{expr}' returned no series");
            }
            foreach (var (variable, selector, label) in PrometheusQueries.LabelValueVariables("cluster.json"))
            {
                var result = await prometheus.QueryAsync(selector, ct);
                if (!result.Any(r => r.Labels.ContainsKey(label))) failures.Add($"cluster.json variable {variable}: no '{label}' on {selector}");
            }

            // The GPU dashboard's expressions and variables parse (QueryAsync throws on an error, naming the query).
            foreach (var (_, expr) in PrometheusQueries.Panels("gpu.json")) await prometheus.QueryAsync(expr, ct);
            foreach (var (_, selector, _) in PrometheusQueries.LabelValueVariables("gpu.json")) await prometheus.QueryAsync(selector, ct);

            Assert.True(failures.Count == 0, string.Join('\n', failures));
            await app.StopAsync(ct);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("hyperbench:silo_up:seen6h == 0", "hyperbench:silo_up:seen6h")]
    [InlineData("hyperbench:case_failure_ratio:increase15m > 0.1", "hyperbench:case_failure_ratio:increase15m")]
    [InlineData("sum(x) >= 1e-3", "sum(x)")]
    public void WithoutComparison_DropsTheFinalThreshold(string alert, string probe) => Assert.Equal(probe, WithoutComparison(alert));

    /// <summary>An alert expression "X op number" without " op number"; the test fails on any other shape.</summary>
    private static string WithoutComparison(string alert)
    {
        var m = FinalComparison().Match(alert);
        Assert.True(m.Success, $"alert expression '{alert}' does not end in a comparison with a number");
        return m.Groups[1].Value;
    }

    private static async Task AbandonUntilFailedAsync(ISweepGrain sweep, DeviceView gpu, int failed, CancellationToken ct)
    {
        for (int i = 0; i < 10 && (await sweep.GetStatusAsync()).Failed < failed; i++)
        {
            var lease = await sweep.LeaseAsync(gpu);
            Assert.NotNull(lease);
            Assert.True(await sweep.AbandonAsync(lease.LeaseId, "injected fault"));
            ct.ThrowIfCancellationRequested();
        }
        Assert.Equal(failed, (await sweep.GetStatusAsync()).Failed);
    }

    [GeneratedRegex(@"^(.*?)\s*(?:==|!=|>=|<=|>|<)\s*(?:bool\s+)?-?[0-9.]+(?:e[+-]?\d+)?\s*$")]
    private static partial Regex FinalComparison();
}
