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
    public void Compare_BothSidesWithAReference_JudgeTheRatio_SoAMachineSlowdownIsNotARegressionButAKernelSlowdownIs()
    {
        // The whole machine 20% slower in the candidate's run: the case and its reference both.
        var machine = SweepComparer.Compare("a", [Case("c", 0.010, 1) with { ReferenceMedianSeconds = 0.002 }],
            "b", [Case("c", 0.012, 2) with { ReferenceMedianSeconds = 0.0024 }], CompareThresholds.Default, DateTime.UtcNow);
        // The kernel 20% slower, the reference as before.
        var kernel = SweepComparer.Compare("a", [Case("c", 0.010, 1) with { ReferenceMedianSeconds = 0.002 }],
            "b", [Case("c", 0.012, 2) with { ReferenceMedianSeconds = 0.002 }], CompareThresholds.Default, DateTime.UtcNow);
        // Only one side has a reference: plain medians, as before references existed.
        var plain = SweepComparer.Compare("a", [Case("c", 0.010, 1)],
            "b", [Case("c", 0.012, 2) with { ReferenceMedianSeconds = 0.0024 }], CompareThresholds.Default, DateTime.UtcNow);

        var m = Assert.Single(machine.Cases).Time;
        Assert.Equal(Verdict.Same, m.Verdict);
        Assert.InRange(m.Change, -0.03, 0.03);
        Assert.InRange(m.RawChange!.Value, 0.17, 0.23);
        // The medians shown stay the plain ones, in seconds.
        Assert.InRange(m.BaselineMedian, 0.0098, 0.0102);
        Assert.StartsWith("ratio to the reference (plain median +", m.Detail, StringComparison.Ordinal);
        var k = Assert.Single(kernel.Cases).Time;
        Assert.Equal(Verdict.Slower, k.Verdict);
        Assert.InRange(k.Change, 0.17, 0.23);
        Assert.Equal(k.Change, k.RawChange!.Value, 12);
        Assert.Equal(k.RawChange, Assert.Single(kernel.ToRows()).RawChange);
        var p = Assert.Single(plain.Cases).Time;
        Assert.Equal(Verdict.Slower, p.Verdict);
        Assert.Null(p.RawChange);
        Assert.Null(Assert.Single(plain.ToRows()).RawChange);
    }

    [Fact]
    public void Compare_WithAReference_LearnsTheNoiseFloorFromEarlierRunsRatiosOnly()
    {
        // Twelve earlier runs whose machine speed wandered by up to 30% while the ratio to the reference stayed within 1%; and two
        // runs without a reference, which a ratio cannot use.
        var random = new Random(7);
        var history = Enumerable.Range(0, 12).Select(i =>
        {
            double speed = 1 + 0.3 * random.NextDouble(), ratio = 5 * (1 + 0.01 * (random.NextDouble() - 0.5));
            return new CaseMedian("c", $"h{i}", "GPU X", "driver 1", 0.002 * speed * ratio, DateTime.UnixEpoch.AddHours(i)) { ReferenceMedianSeconds = 0.002 * speed };
        }).Concat([new CaseMedian("c", "p1", "GPU X", "driver 1", 0.5, DateTime.UnixEpoch), new CaseMedian("c", "p2", "GPU X", "driver 1", 0.001, DateTime.UnixEpoch)])
            .ToList();
        var baseline = Case("c", 0.010, 1) with { ReferenceMedianSeconds = 0.002 };

        var withRatios = SweepComparer.Compare("a", [baseline], "b", [Case("c", 0.0108, 2) with { ReferenceMedianSeconds = 0.002 }],
            CompareThresholds.Default, DateTime.UtcNow, history: new Dictionary<string, IReadOnlyList<CaseMedian>> { ["c"] = history });
        var plainHistory = SweepComparer.Compare("a", [Case("c", 0.010, 1)], "b", [Case("c", 0.0108, 2)],
            CompareThresholds.Default, DateTime.UtcNow, history: new Dictionary<string, IReadOnlyList<CaseMedian>> { ["c"] = history });

        var r = Assert.Single(withRatios.Cases).Time;
        Assert.Equal(12, r.Noise.HistoryRuns);
        Assert.InRange(r.Noise.Floor!.Value, 0, 0.02);
        Assert.Equal(Verdict.Slower, r.Verdict); // +8%: beyond the 5% threshold, which the small floor leaves as it is
        var p = Assert.Single(plainHistory.Cases).Time;
        Assert.Equal(14, p.Noise.HistoryRuns);
        Assert.True(p.Noise.Floor > 0.1, $"plain floor {p.Noise.Floor}");
        Assert.Equal(Verdict.Same, p.Verdict); // the wandering machine hides +8% from the plain medians
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
