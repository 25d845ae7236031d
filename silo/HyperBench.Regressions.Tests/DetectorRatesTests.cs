namespace HyperBench.Regressions.Tests;

/// <summary>
/// The detector on many seeded series at once: how often flat noise gives a change point, how often a planted step is found and
/// where. Seeded, so the counts are the same on every run; the numbers are printed for docs/history.md.
/// </summary>
public sealed class DetectorRatesTests
{
    private const int Trials = 60;
    private const int Length = 30;

    private static double[] Series(Random random, double cv, int stepAt, double step)
    {
        var v = new double[Length];
        for (int i = 0; i < Length; i++)
        {
            double u1 = 1 - random.NextDouble(), u2 = random.NextDouble();
            double z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            v[i] = (i >= stepAt ? 1 + step : 1) * (1 + cv * z);
        }
        return v;
    }

    [Fact]
    public void FlatNoise_RarelyAChangePoint_PlantedTenPercentStep_FoundAtItsRun()
    {
        var random = new Random(2026);
        int flatAny = 0, flatDefault = 0, found = 0, exact = 0;
        for (int t = 0; t < Trials; t++)
        {
            var flat = Series(random, 0.02, Length, 0);
            if (ChangePoints.Detect(flat, new ChangePointOptions { MinMagnitude = 0 }).Count > 0) flatAny++;
            if (ChangePoints.Detect(flat).Count > 0) flatDefault++;
            var stepped = ChangePoints.Detect(Series(random, 0.02, Length / 2, 0.10));
            if (stepped.Count > 0) found++;
            if (stepped.Count == 1 && stepped[0].Index == Length / 2) exact++;
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Trials} series of {Length} runs, CV 2%: flat with a change point {flatAny} (no minimum change), {flatDefault} (5% minimum); " +
            $"10% step found {found}, exactly at its run {exact}");

        Assert.Equal(0, flatDefault);
        Assert.True(flatAny <= Trials / 10, $"{flatAny} of {Trials} flat series had a change point without a minimum change");
        Assert.Equal(Trials, found);
        Assert.True(exact >= Trials * 9 / 10, $"{exact} of {Trials} steps found exactly at their run");
    }
}
