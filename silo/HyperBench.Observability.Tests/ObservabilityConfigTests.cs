using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>
/// infra/prometheus and infra/dcgm checked by promtool (Debian's prometheus package): the config, the rules, the rules' unit tests
/// and the GPU dashboard's expressions on synthetic DCGM series; and the files agreeing with each other and with the silo's defaults.
/// </summary>
public sealed partial class ObservabilityConfigTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Promtool_CheckConfig_Passes()
    {
        string promtool = PrometheusProcess.RequirePromtool();

        var (exit, output) = await PrometheusProcess.PromtoolAsync(promtool, ["check", "config", "infra/prometheus/prometheus.yml"], null, Ct);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_CheckRules_Passes()
    {
        string promtool = PrometheusProcess.RequirePromtool();
        string[] files = RuleFiles();

        var (exit, output) = await PrometheusProcess.PromtoolAsync(promtool, ["check", "rules", .. files], null, Ct);

        Assert.True(exit == 0, output);
        Assert.Contains($"SUCCESS: {RuleCount()} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_TestRules_AlertsAndGpuDashboardOnSyntheticSeries()
    {
        string promtool = PrometheusProcess.RequirePromtool();
        string[] files = [.. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "infra", "prometheus", "tests"), "*.yml").Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f))];
        Assert.Equal(["infra/prometheus/tests/gpu-dashboard.yml", "infra/prometheus/tests/hyperbench-alerts.yml"], files);

        var (exit, output) = await PrometheusProcess.PromtoolAsync(promtool, ["test", "rules", .. files], null, Ct);

        Assert.True(exit == 0, output);
        Assert.Equal(2, Regex.Count(output, "SUCCESS"));
    }

    [Fact]
    public void GpuDashboard_EveryExpression_HasItsPromtoolTest()
    {
        var tested = TestedExpressions().Matches(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "infra", "prometheus", "tests", "gpu-dashboard.yml")))
            .Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var expressions = PrometheusQueries.Panels("gpu.json");

        Assert.True(expressions.Count >= 10, $"gpu.json has only {expressions.Count} expressions");
        Assert.All(expressions, e => Assert.True(tested.Contains(e.Expr), $"{e.Where}: no promql_expr_test for {e.Expr}"));
    }

    [Fact]
    public void GpuDashboard_EveryDcgmField_InTheExportersCounters()
    {
        var counters = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "infra", "dcgm", "counters.csv"))
            .Where(l => l.StartsWith("DCGM_FI_", StringComparison.Ordinal))
            .Select(l => l.Split(',')[0].Trim()).ToHashSet(StringComparer.Ordinal);
        var used = PrometheusQueries.Panels("gpu.json").SelectMany(e => DcgmField().Matches(e.Expr).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "DCGM_FI_PROF_SM_ACTIVE", "DCGM_FI_PROF_SM_OCCUPANCY", "DCGM_FI_PROF_PIPE_FP32_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
            "DCGM_FI_PROF_DRAM_ACTIVE", "DCGM_FI_DEV_SM_CLOCK", "DCGM_FI_DEV_POWER_USAGE", "DCGM_FI_DEV_GPU_TEMP", "DCGM_FI_DEV_FB_USED",
            "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS" }, used);
        Assert.Subset(counters, used);
        Assert.All(File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "infra", "dcgm", "counters.csv")).Where(l => l.StartsWith("DCGM_FI_", StringComparison.Ordinal)),
            l => Assert.Matches(@"^DCGM_FI_\w+,\s*(gauge|counter),\s*\S.*$", l));
    }

    /// <summary>The rule files, relative to the repository root.</summary>
    internal static string[] RuleFiles() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "infra", "prometheus", "rules"), "*.yml").Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(RepositoryPaths.Root, f))];

    /// <summary>Recording rules and alerts over the rule files, counted from their text.</summary>
    internal static int RuleCount() =>
        RuleFiles().Sum(f => File.ReadAllLines(Path.Combine(RepositoryPaths.Root, f)).Count(l => RuleLine().IsMatch(l)));

    [GeneratedRegex(@"^\s*- expr: '(.*)'\s*$", RegexOptions.Multiline)]
    private static partial Regex TestedExpressions();

    [GeneratedRegex(@"DCGM_FI_[A-Z0-9_]+")]
    private static partial Regex DcgmField();

    [GeneratedRegex(@"^\s*- (record|alert):")]
    private static partial Regex RuleLine();
}
