namespace HyperBench.Regressions.Tests;

/// <summary>
/// The statistics with known answers. Samples are synthetic but realistic: a median time times log-normal noise (σ = 2%, a quiet
/// GPU) with a few slow outliers (a preempted run), drawn from a seeded generator so every run sees the same numbers.
/// </summary>
public sealed class SampleComparerTests
{
    private static readonly CompareThresholds Defaults = CompareThresholds.Default;

    internal static double[] Timings(int seed, int count, double median, double sigma = 0.02, double outlierRate = 0.05)
    {
        var random = new Random(seed);
        var samples = new double[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double normal = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            double outlier = random.NextDouble() < outlierRate ? 1.15 : 1.0;
            samples[i] = median * Math.Exp(sigma * normal) * outlier;
        }
        return samples;
    }

    [Fact]
    public void Compare_SameDistribution_IsSame()
    {
        var result = SampleComparer.Compare(Timings(1, 30, 0.010), Timings(2, 30, 0.010), Defaults);

        Assert.Equal(Verdict.Same, result.Verdict);
        Assert.InRange(result.Change, -0.03, 0.03);
        Assert.NotNull(result.PValue);
        Assert.InRange(result.BaselineCv, 0.005, 0.10);
    }

    [Fact]
    public void Compare_TenPercentSlowerWith30Samples_IsSlower()
    {
        var result = SampleComparer.Compare(Timings(3, 30, 0.010), Timings(4, 30, 0.011), Defaults);

        Assert.Equal(Verdict.Slower, result.Verdict);
        Assert.InRange(result.Change, 0.06, 0.14);
        Assert.True(result.PValue < 0.01, $"p = {result.PValue}");
        Assert.Equal((30, 30), (result.BaselineCount, result.CandidateCount));
    }

    [Fact]
    public void Compare_TenPercentFaster_IsFaster()
    {
        var result = SampleComparer.Compare(Timings(5, 30, 0.010), Timings(6, 30, 0.009), Defaults);

        Assert.Equal(Verdict.Faster, result.Verdict);
        Assert.InRange(result.Change, -0.14, -0.06);
    }

    [Fact]
    public void Compare_SignificantButSmallerThanTheThreshold_IsSame()
    {
        // 2% slower with 1,000 samples each: the test alone would call it (p tiny), the effect threshold does not.
        var result = SampleComparer.Compare(Timings(7, 1000, 0.010), Timings(8, 1000, 0.0102), Defaults);

        Assert.True(result.PValue < 0.01, $"p = {result.PValue}");
        Assert.Equal(Verdict.Same, result.Verdict);
    }

    [Fact]
    public void Compare_ThreeVersusThree_IsInsufficientWithoutATest()
    {
        var result = SampleComparer.Compare([0.010, 0.0101, 0.0099], [0.020, 0.0201, 0.0199], Defaults);

        Assert.Equal(Verdict.Insufficient, result.Verdict);
        Assert.Null(result.PValue);
        Assert.Contains("at least 5 per side", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_NoSamplesOnASide_IsInsufficient() =>
        Assert.Equal(Verdict.Insufficient, SampleComparer.Compare([], Timings(9, 30, 0.01), Defaults).Verdict);

    [Fact]
    public void Compare_SpreadAboveTheCvLimit_IsNoisyEvenWhenSlower()
    {
        var result = SampleComparer.Compare(Timings(10, 30, 0.010, sigma: 0.3), Timings(11, 30, 0.013), Defaults);

        Assert.Equal(Verdict.Noisy, result.Verdict);
        Assert.True(result.BaselineCv > 0.10);
        Assert.Contains("baseline robust CV", result.Detail, StringComparison.Ordinal);
        Assert.Equal(Verdict.Slower, SampleComparer.Compare(Timings(10, 30, 0.010, sigma: 0.3), Timings(11, 30, 0.020), Defaults with { CvLimit = 1 }).Verdict);
    }

    [Fact]
    public void SmallestPValue_IsTheExactTestsBound()
    {
        // Two non-overlapping samples of 5: 2 / C(10, 5) = 2 / 252.
        Assert.Equal(2.0 / 252, SampleComparer.SmallestPValue(5, 5), 4);
        Assert.Equal(2.0 / 70, SampleComparer.SmallestPValue(4, 4), 4);
        Assert.Equal(5, SampleComparer.MinimumSamples(0.01));
        Assert.Equal(4, SampleComparer.MinimumSamples(0.05));
    }

    [Fact]
    public void Compare_FiveVersusFiveFullySeparated_IsDecided() =>
        Assert.Equal(Verdict.Slower, SampleComparer.Compare([1.0, 1.01, 1.02, 1.03, 1.04], [1.2, 1.21, 1.22, 1.23, 1.24], Defaults).Verdict);

    [Fact]
    public void CompareError_RiseBeyondBothThresholds_Regresses()
    {
        Assert.True(SampleComparer.CompareError(0.10, 0.12, Defaults).Regressed);          // +20% and +0.02
        Assert.False(SampleComparer.CompareError(0.10, 0.105, Defaults).Regressed);        // +5%
        Assert.False(SampleComparer.CompareError(0.001, 0.003, Defaults).Regressed);       // tripled, but only +0.002 absolute
        Assert.False(SampleComparer.CompareError(0.12, 0.10, Defaults).Regressed);         // better
        Assert.False(SampleComparer.CompareError(null, null, Defaults).Regressed);         // an exact kernel
        Assert.Equal(0.2, SampleComparer.CompareError(0.10, 0.12, Defaults).Change!.Value, 9);
    }

    [Fact]
    public void Thresholds_OutOfRange_NameTheValue()
    {
        var ex = Assert.Throws<ArgumentException>(() => SampleComparer.Compare([1.0], [1.0], Defaults with { Alpha = 1.5 }));
        Assert.Contains("Alpha = 1.5", ex.Message, StringComparison.Ordinal);
    }
}
