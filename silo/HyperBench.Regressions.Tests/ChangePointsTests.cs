namespace HyperBench.Regressions.Tests;

/// <summary>Change points with known answers: planted steps are found where they were planted, flat noise gives none.</summary>
public sealed class ChangePointsTests
{
    /// <summary>level · (1 + cv·z), z standard normal from a fixed seed (Box-Muller): the same series on every run.</summary>
    private static double[] Noisy(int seed, double cv, params (int Count, double Level)[] segments)
    {
        var random = new Random(seed);
        var values = new List<double>();
        foreach (var (count, level) in segments)
            for (int i = 0; i < count; i++)
            {
                double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
                double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                values.Add(level * (1 + cv * z));
            }
        return [.. values];
    }

    [Fact]
    public void PlantedStep_FoundAtItsIndex_AsASlowdown()
    {
        var series = Noisy(7, 0.01, (15, 1.0e-3), (15, 1.2e-3));

        var point = Assert.Single(ChangePoints.Detect(series));

        Assert.Equal(15, point.Index);
        Assert.InRange(point.MedianChange, 0.17, 0.23);
        Assert.True(point.PValue < 1e-6, $"p = {point.PValue}");
        Assert.Equal((15, 15), (point.CountBefore, point.CountAfter));
    }

    [Fact]
    public void StepThatRecovers_GivesBothChangePoints()
    {
        var series = Noisy(11, 0.01, (12, 1.0e-3), (8, 1.15e-3), (12, 1.0e-3));

        var points = ChangePoints.Detect(series);

        Assert.Equal([12, 20], points.Select(p => p.Index).ToArray());
        Assert.True(points[0].MedianChange > 0.1, $"up {points[0].MedianChange}");
        Assert.True(points[1].MedianChange < -0.1, $"down {points[1].MedianChange}");
    }

    [Fact]
    public void LongSeries_StepsInDifferentWindows_AreAllFound()
    {
        // 80 points: more than two windows of 30, so candidates come from several windows and are merged.
        var series = Noisy(3, 0.01, (25, 2.0e-3), (30, 1.7e-3), (25, 2.1e-3));

        var points = ChangePoints.Detect(series);

        Assert.Equal([25, 55], points.Select(p => p.Index).ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void FlatNoisySeries_HasNoChangePoint(int seed)
    {
        var series = Noisy(seed, 0.03, (40, 1.0e-3));

        Assert.Empty(ChangePoints.Detect(series));
    }

    [Fact]
    public void SmallStepBelowMinimumChange_IsMergedAway()
    {
        var series = Noisy(5, 0.002, (15, 1.0e-3), (15, 1.02e-3));

        Assert.Empty(ChangePoints.Detect(series)); // 2% < the 5% default
        Assert.Equal(15, Assert.Single(ChangePoints.Detect(series, new ChangePointOptions { MinMagnitude = 0.01 })).Index);
    }

    [Fact]
    public void SameSeries_SameAnswer()
    {
        var series = Noisy(9, 0.02, (10, 1.0e-3), (10, 1.1e-3));

        var a = ChangePoints.Detect(series);
        var b = ChangePoints.Detect(series);

        Assert.Equal(a, b);
    }

    [Fact]
    public void TooShortSeries_HasNone_AndBadOptionsAreNamed()
    {
        Assert.Empty(ChangePoints.Detect([1.0, 2.0, 3.0]));
        var ex = Assert.Throws<ArgumentException>(() => ChangePoints.Detect([1.0, 2.0, 3.0, 4.0], new ChangePointOptions { MaxPValue = 2 }));
        Assert.Contains("2", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ChangePoints.Detect([1.0, double.NaN, 3.0, 4.0]));
    }

    [Fact]
    public void BestSplit_NoiselessStep_IsTheStep()
    {
        double[] x = [1, 1, 1, 1, 5, 5, 5];

        var (index, q) = ChangePoints.BestSplit(x, 0, x.Length, new ChangePointOptions());

        Assert.Equal(4, index);
        // m = 4, k = 3: Q = m·k/(m+k) · 2·|1−5| = 12/7 · 8.
        Assert.Equal(12.0 / 7 * 8, q, 9);
    }

    [Fact]
    public void WelchPValue_KnownAnswer()
    {
        // Means 3 and 5, variances 2.5 and 2.5, n = 5 each: t = -2 on 8 degrees of freedom, two-sided p = 0.0805.
        Assert.Equal(0.0805, ChangePoints.WelchPValue([1, 2, 3, 4, 5], [3, 4, 5, 6, 7]), 4);
        Assert.Equal(0, ChangePoints.WelchPValue([1, 1, 1], [2, 2, 2]));
        Assert.Equal(1, ChangePoints.WelchPValue([1, 1, 1], [1, 1, 1]));
        Assert.Equal(1, ChangePoints.WelchPValue([1], [2, 3]));
    }
}
