using HyperBench.Storage;

namespace HyperBench.Regressions.Tests;

public sealed class SweepComparerTests
{
    private static StoredCaseSamples Case(string id, double median, int seed, string device = "GPU X", string detail = "driver 1", string dtype = "fp32",
        double? error = null) =>
        new(id, "flash", 1024, false, "fwd", dtype, null, device, detail, error, SampleComparerTests.Timings(seed, 30, median));

    [Fact]
    public void Compare_MatchesByCaseIdAndListsTheRest()
    {
        var comparison = SweepComparer.Compare("a", [Case("c1", 0.01, 1), Case("c2", 0.01, 2), Case("only-a", 0.01, 3)],
            "b", [Case("c1", 0.01, 4), Case("c2", 0.013, 5), Case("only-b", 0.01, 6)], CompareThresholds.Default, DateTime.UtcNow);

        Assert.Equal(["c1", "c2"], comparison.Cases.Select(c => c.Case.CaseId).Order());
        Assert.Equal(Verdict.Same, comparison.Cases.Single(c => c.Case.CaseId == "c1").Time.Verdict);
        Assert.Equal(Verdict.Slower, comparison.Cases.Single(c => c.Case.CaseId == "c2").Time.Verdict);
        Assert.True(comparison.Regressed);
        Assert.Equal(["only-a"], comparison.OnlyInBaseline);
        Assert.Equal(["only-b"], comparison.OnlyInCandidate);
        var rows = comparison.ToRows();
        Assert.Equal(["same", "slower"], rows.OrderBy(r => r.CaseId).Select(r => r.Verdict));
        Assert.All(rows, r => Assert.Equal((comparison.ComparisonId, "a", "b"), (r.ComparisonId, r.BaselineSweepId, r.CandidateSweepId)));
    }

    [Fact]
    public void Compare_ErrorRiseAlone_IsARegression()
    {
        var comparison = SweepComparer.Compare("a", [Case("h", 0.01, 1, error: 0.10)], "b", [Case("h", 0.01, 2, error: 0.15)],
            CompareThresholds.Default, DateTime.UtcNow);

        var only = Assert.Single(comparison.Cases);
        Assert.Equal(Verdict.Same, only.Time.Verdict);
        Assert.True(only.Error.Regressed);
        Assert.True(comparison.Regressed);
        Assert.True(Assert.Single(comparison.ToRows()).ErrorRegressed);
    }

    [Fact]
    public void MixedEnvironments_DifferentDeviceDriverOrDtype_AreNamed()
    {
        Assert.Empty(SweepComparer.MixedEnvironments([Case("c", 1, 1)], [Case("c", 1, 2)]));
        var reasons = SweepComparer.MixedEnvironments([Case("c", 1, 1)], [Case("c", 1, 2, device: "GPU Y", detail: "driver 2", dtype: "fp16")]);
        Assert.Equal(3, reasons.Count);
        Assert.Contains(reasons, r => r.Contains("'GPU X' vs candidate 'GPU Y'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("'driver 1' vs candidate 'driver 2'", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("dtype", StringComparison.Ordinal));
    }
}
