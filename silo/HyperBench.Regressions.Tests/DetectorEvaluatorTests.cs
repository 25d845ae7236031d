namespace HyperBench.Regressions.Tests;

/// <summary>
/// The detector-quality math on synthetic runs of one "build" (seeded log-normal timings with outliers, as in
/// <see cref="SampleComparerTests"/>): every run draws from the same distribution, so A/A verdicts other than same are false alarms.
/// </summary>
public sealed class DetectorEvaluatorTests
{
    private static readonly string[] CaseIds = ["flash-256", "flash-512", "hyper-512"];
    private static readonly double[] Medians = [0.002, 0.008, 0.005];

    private static List<IReadOnlyDictionary<string, IReadOnlyList<double>>> Runs(int count, int samples, double sigma = 0.02)
    {
        var runs = new List<IReadOnlyDictionary<string, IReadOnlyList<double>>>();
        for (int r = 0; r < count; r++)
        {
            var run = new Dictionary<string, IReadOnlyList<double>>();
            for (int c = 0; c < CaseIds.Length; c++) run[CaseIds[c]] = SampleComparerTests.Timings(1000 * r + c, samples, Medians[c], sigma);
            runs.Add(run);
        }
        return runs;
    }

    [Fact]
    public void Evaluate_IdenticalDistributions_NoFalsePositivesAndInjectedTwentyPercentAlwaysDetected()
    {
        var e = DetectorEvaluator.Evaluate(Runs(41, 30), [0.02, 0.05, 0.10], [0.05, 0.10, 0.20], alpha: 0.01, cvLimit: 0.10);

        Assert.Equal(41, e.Runs);
        Assert.Equal(40, e.Pairs);
        Assert.Equal(3, e.Cases);
        Assert.Equal([0.02, 0.05, 0.10], e.Thresholds.Select(t => t.Effect));
        foreach (var t in e.Thresholds)
        {
            Assert.Equal(120, t.AA.Total);
            Assert.Equal(t.AA.Total, t.AA.Slower + t.AA.Faster + t.AA.Same + t.AA.Noisy + t.AA.Insufficient);
            Assert.Equal(0, t.AA.Noisy);
            Assert.Equal(0, t.AA.Insufficient);
            Assert.InRange(t.FalsePositiveRate, 0, 0.01);
            Assert.Equal([0.05, 0.10, 0.20], t.Injected.Select(d => d.Slowdown));
            foreach (var d in t.Injected)
                Assert.Equal(d.Counts.Total, d.Counts.Slower + d.Counts.Faster + d.Counts.Same + d.Counts.Noisy + d.Counts.Insufficient);
            // +20% is far beyond every threshold and the noise (sigma 2%, 30 samples): always slower.
            Assert.Equal(1.0, t.Injected[2].DetectionRate);
            Assert.Equal(120, t.Injected[2].Counts.Slower);
        }
        // At 5% and 10% thresholds nothing same-build is ever beyond the threshold.
        Assert.Equal(0, e.Thresholds[1].AA.Slower + e.Thresholds[1].AA.Faster);
        Assert.Equal(0, e.Thresholds[2].AA.Slower + e.Thresholds[2].AA.Faster);
        // +10% against a 5% threshold: caught nearly always; against a 10% threshold: about half (the median must exceed it).
        Assert.InRange(e.Thresholds[1].Injected[1].DetectionRate, 0.95, 1.0);
        Assert.InRange(e.Thresholds[2].Injected[1].DetectionRate, 0.2, 0.8);
        // A slowdown is never judged faster.
        Assert.All(e.Thresholds.SelectMany(t => t.Injected), d => Assert.Equal(0, d.Counts.Faster));
    }

    [Fact]
    public void Evaluate_NoisyRuns_CountedAsNoisyNotAsDetections()
    {
        // sigma 30%: every side's CV is far above the 10% limit.
        var e = DetectorEvaluator.Evaluate(Runs(5, 30, sigma: 0.30), [0.05], [0.20], alpha: 0.01, cvLimit: 0.10);

        var t = Assert.Single(e.Thresholds);
        Assert.Equal(12, t.AA.Total);
        Assert.Equal(12, t.AA.Noisy);
        Assert.Equal(0.0, t.FalsePositiveRate);
        Assert.Equal(0.0, t.Injected[0].DetectionRate);
        Assert.Equal(1.0, t.AA.Share(t.AA.Noisy));
    }

    [Fact]
    public void Evaluate_TooFewSamples_Insufficient()
    {
        var e = DetectorEvaluator.Evaluate(Runs(3, 4), [0.05], [0.20], alpha: 0.01, cvLimit: 0.10);

        Assert.Equal(6, e.Thresholds[0].AA.Insufficient);
        Assert.Equal(6, e.Thresholds[0].Injected[0].Counts.Insufficient);
    }

    [Fact]
    public void Evaluate_CaseMissingFromOneRun_SkippedForThatPairOnly()
    {
        var runs = Runs(3, 30);
        var second = new Dictionary<string, IReadOnlyList<double>>(runs[1]);
        second.Remove("hyper-512");
        runs[1] = second;

        var e = DetectorEvaluator.Evaluate(runs, [0.05], [0.10], alpha: 0.01, cvLimit: 0.10);

        Assert.Equal(2, e.Cases); // hyper-512 is in no pair: run 1 is in both
        Assert.Equal(4, e.Thresholds[0].AA.Total); // pair (0,1) and pair (1,2) each lose hyper-512
    }

    [Theory]
    [InlineData(1, 0.05, 0.10, "runs")]
    [InlineData(3, -0.05, 0.10, "slowdown")]
    [InlineData(3, 0.0, 0.10, "slowdown")]
    [InlineData(3, 0.05, -1.0, "Effect")]
    public void Evaluate_BadInput_NamesIt(int runs, double slowdown, double effect, string named)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => DetectorEvaluator.Evaluate(Runs(runs, 10), [effect], [slowdown], 0.01, 0.10));
        Assert.Contains(named, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LabelQuality_CountsEachQuadrantAndRates()
    {
        var q = LabelQuality.Of([
            (Verdict.Slower, true), (Verdict.Slower, true), (Verdict.Slower, true), (Verdict.Slower, false),
            (Verdict.Same, true), (Verdict.Noisy, false), (Verdict.Faster, false),
        ]);

        Assert.Equal((3, 1, 1, 2), (q.TruePositives, q.FalsePositives, q.FalseNegatives, q.TrueNegatives));
        Assert.Equal(7, q.Labelled);
        Assert.Equal(0.75, q.Precision);
        Assert.Equal(0.75, q.Recall);
    }

    [Fact]
    public void LabelQuality_NothingToDivide_IsNull()
    {
        var q = LabelQuality.Of([(Verdict.Same, false)]);

        Assert.Null(q.Precision);
        Assert.Null(q.Recall);
        Assert.Equal(1, q.TrueNegatives);
    }
}
