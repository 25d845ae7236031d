using MathNet.Numerics.Distributions;

namespace HyperBench.Regressions.Tests;

/// <summary>
/// The between-run noise floor (docs/regressions.md, "Verdict rules") on seeded synthetic runs in which every run (process) has its
/// own random offset of the level, as real processes do (JIT, placement, machine load), on top of the spread within the run.
/// </summary>
public sealed class NoiseFloorTests
{
    private static readonly string[] CaseIds = ["flash-256", "flash-512", "hyper-512"];
    private static readonly double[] Medians = [0.002, 0.008, 0.005];

    /// <summary>
    /// Runs whose level moves by exp(N(0, runSigma)) per run and case; within a run log-normal samples (sigma 2%, 5% slow outliers).
    /// </summary>
    private static List<IReadOnlyDictionary<string, IReadOnlyList<double>>> RunsWithOffsets(int count, double runSigma, int seed, int samples = 30)
    {
        var random = new Random(seed);
        var runs = new List<IReadOnlyDictionary<string, IReadOnlyList<double>>>();
        for (int r = 0; r < count; r++)
        {
            var run = new Dictionary<string, IReadOnlyList<double>>();
            for (int c = 0; c < CaseIds.Length; c++)
            {
                double level = Medians[c] * Math.Exp(Normal.Sample(random, 0, runSigma));
                run[CaseIds[c]] = SampleComparerTests.Timings(seed * 100_000 + 1000 * r + c, samples, level);
            }
            runs.Add(run);
        }
        return runs;
    }

    private static double[] HistoryMedians(int count, double runSigma, int seed) =>
        [.. RunsWithOffsets(count, runSigma, seed).Select(r => MathNet.Numerics.Statistics.Statistics.Median([.. r[CaseIds[0]]]))];

    [Fact]
    public void From_FloorGrowsWithBetweenRunSpread()
    {
        var quiet = NoiseFloor.From(HistoryMedians(20, 0.01, seed: 1), CompareThresholds.Default);
        var loud = NoiseFloor.From(HistoryMedians(20, 0.10, seed: 1), CompareThresholds.Default);

        Assert.Equal(20, quiet.HistoryRuns);
        Assert.NotNull(quiet.Floor);
        Assert.NotNull(loud.Floor);
        // Floor = one standard deviation of the change between two runs: about exp(sqrt(2) x runSigma) - 1 = 15% for runSigma 10%
        // (plus the within-run part of each median, about 0.5%); MAD from 20 runs is within a factor of about 1.5.
        Assert.InRange(loud.Floor!.Value, 0.08, 0.25);
        Assert.True(loud.Floor > 3 * quiet.Floor, $"floor {loud.Floor} (10% between runs) vs {quiet.Floor} (1%)");
        // k = 4: the threshold applied is (1 + floor)^4 - 1, far above the plain 5% when runs wander by 10%.
        Assert.Equal(Math.Pow(1 + loud.Floor.Value, 4) - 1, loud.AppliedEffect, 12);
        Assert.True(loud.AppliedEffect > 0.3);
        // A quiet history keeps the threshold near the plain 5%; the floor only ever raises it.
        Assert.InRange(quiet.AppliedEffect, 0.05, 0.10);
    }

    [Fact]
    public void Compare_TooLittleHistory_FallsBackToThePlainThresholdAndSaysSo()
    {
        double[] baseline = SampleComparerTests.Timings(1, 30, 0.010);
        double[] candidate = SampleComparerTests.Timings(2, 30, 0.0108); // +8%: beyond the plain 5%

        var result = SampleComparer.Compare(baseline, candidate, CompareThresholds.Default, [0.010, 0.012, 0.009]);

        Assert.Equal(Verdict.Slower, result.Verdict);
        Assert.Equal(3, result.Noise.HistoryRuns);
        Assert.Null(result.Noise.Floor);
        Assert.Equal(0.05, result.Noise.AppliedEffect);
        Assert.Contains("history 3 runs < 10: plain 5% threshold", result.Detail, StringComparison.Ordinal);

        // The same +8% against a history that wanders by about 10% between runs is within the noise: same, and the detail says why.
        var withFloor = SampleComparer.Compare(baseline, candidate, CompareThresholds.Default, HistoryMedians(20, 0.10, seed: 2));
        Assert.Equal(Verdict.Same, withFloor.Verdict);
        Assert.Equal(20, withFloor.Noise.HistoryRuns);
        Assert.Contains("noise floor", withFloor.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_RunOffsets_PlainDetectorRaisesFalseAlarmsCalibratedOneDoesNot()
    {
        // 61 runs whose level wanders by 5% between processes: 10 calibrate, 50 A/A pairs x 3 cases = 150 comparisons.
        var runs = RunsWithOffsets(61, 0.05, seed: 3);

        // Without history (a floor would need 10,000 runs) the within-run test calls most process-to-process moves significant.
        var plain = DetectorEvaluator.Evaluate(runs, [0.05], [0.20], alpha: 0.01, cvLimit: 0.10, calibrationRuns: 10, minHistory: 10_000,
            historyLimit: 10_000);
        Assert.Equal(150, plain.Comparisons);
        Assert.Equal(150, plain.Fallbacks);
        Assert.True(plain.Thresholds[0].FalsePositiveRate > 0.2, $"plain FPR {plain.Thresholds[0].FalsePositiveRate}");

        var calibrated = DetectorEvaluator.Evaluate(runs, [0.05], [0.20, 1.00], alpha: 0.01, cvLimit: 0.10, calibrationRuns: 10);
        var t = Assert.Single(calibrated.Thresholds);
        Assert.Equal((50, 150, 0), (calibrated.Pairs, calibrated.Comparisons, calibrated.Fallbacks));
        Assert.Equal(0, t.AA.Noisy);
        Assert.Equal(0, t.AA.Slower);
        Assert.InRange(t.FalsePositiveRate, 0, 0.01);
        // The floor learned is about exp(sqrt(2) x 5%) - 1 = 7.3%; k = 4 makes the applied threshold about 33%.
        Assert.InRange(calibrated.MedianNoiseFloor!.Value, 0.04, 0.11);
        Assert.InRange(t.MedianAppliedEffect, 0.17, 0.52);
        // +100% is far beyond it: always detected; +20% is below the threshold this noise forces: mostly missed, the price of no false alarms.
        Assert.Equal(1.0, t.Injected[1].DetectionRate);
        Assert.InRange(t.Injected[0].DetectionRate, 0, 0.5);
    }

    [Fact]
    public void Evaluate_QuietRunsWithSmallOffsets_InjectedTwentyPercentDetected()
    {
        // Levels wander by 1% between runs: floor about 1.5%, applied threshold about 6%; +10% nearly always clears it, +20% always.
        var e = DetectorEvaluator.Evaluate(RunsWithOffsets(31, 0.01, seed: 4), [0.05], [0.10, 0.20], alpha: 0.01, cvLimit: 0.10, calibrationRuns: 10);

        var t = Assert.Single(e.Thresholds);
        Assert.Equal(60, t.AA.Total);
        Assert.InRange(t.FalsePositiveRate, 0, 0.02);
        Assert.Equal(1.0, t.Injected[1].DetectionRate);
        Assert.InRange(t.Injected[0].DetectionRate, 0.95, 1.0);
    }

    [Fact]
    public void Evaluate_NeverUsesAPairsOwnRunsForItsFloor()
    {
        // Runs 0..10 identical in level, run 11 (the candidate of the only pair) 10x slower: had the candidate been in its own
        // history the floor would be huge and hide it; learned from runs before the baseline, the step is caught.
        var runs = RunsWithOffsets(12, 0.0, seed: 5);
        runs[11] = runs[11].ToDictionary(c => c.Key, c => (IReadOnlyList<double>)[.. c.Value.Select(x => x * 10)]);

        var e = DetectorEvaluator.Evaluate(runs, [0.05], [0.20], alpha: 0.01, cvLimit: 0.10, calibrationRuns: 10);

        Assert.Equal(1, e.Pairs);
        Assert.Equal(3, e.Thresholds[0].AA.Slower);
    }

    [Fact]
    public void RobustCv_IgnoresAFewPreemptedSamples()
    {
        double[] steady = SampleComparerTests.Timings(6, 40, 0.010, sigma: 0.02, outlierRate: 0);
        double[] preempted = [.. steady.Select((x, i) => i % 10 == 0 ? x * 50 : x)]; // 4 of 40 samples 50x slower

        Assert.InRange(NoiseFloor.RobustCv(steady), 0.01, 0.04);
        Assert.InRange(NoiseFloor.RobustCv(preempted), 0.01, 0.05);
        double mean = preempted.Average();
        double cv = Math.Sqrt(preempted.Sum(x => (x - mean) * (x - mean)) / (preempted.Length - 1)) / mean;
        Assert.True(cv > 1, $"classic CV {cv}");
        Assert.Equal(Verdict.Same, SampleComparer.Compare(steady, preempted, CompareThresholds.Default).Verdict);
    }
}
