using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Regressions.Tests;

/// <summary>Power-law fits and crossovers on synthetic curves with known exponents.</summary>
public sealed class CurveFitTests
{
    private static readonly int[] Ns = [4096, 8192, 16384, 32768, 65536];

    private static List<(int N, double Seconds)> Curve(double c, double k, double wobble = 0) =>
        [.. Ns.Select((n, i) => (n, c * Math.Pow(n, k) * (1 + wobble * (i % 2 == 0 ? 1 : -1))))];

    [Fact]
    public void Quadratic_GivesExponentTwo_Linear_GivesOne()
    {
        var quadratic = CurveFit.Of(Curve(1e-10, 2, wobble: 0.02))!;
        var linear = CurveFit.Of(Curve(1e-6, 1))!;

        Assert.Equal(2, quadratic.Exponent, 0.05);
        Assert.True(quadratic.ExponentCiLow < 2 && 2 < quadratic.ExponentCiHigh, $"{quadratic.ExponentCiLow}..{quadratic.ExponentCiHigh}");
        Assert.True(quadratic.RSquared > 0.999, $"R² {quadratic.RSquared}");
        Assert.Equal(1, linear.Exponent, 1e-9);
        Assert.Equal(1, linear.RSquared, 1e-9);
        Assert.Equal(1e-6 * 10000, linear.Predict(10000), 1e-9);
    }

    [Fact]
    public void Crossover_OfTwoCurves_IsWhereTheyMeet()
    {
        // flash 1e-10·n², hyper 1e-6·n: equal at n = 1e4.
        var flash = CurveFit.Of(Curve(1e-10, 2))!;
        var hyper = CurveFit.Of(Curve(1e-6, 1))!;

        Assert.Equal(1e4, CurveFit.Crossover(flash, hyper)!.Value, 1e-3);
        Assert.Null(CurveFit.Crossover(hyper, flash)); // the quadratic never overtakes the linear one
        // Measured: hyper is slower at 4096 and 8192, faster from 16384 on.
        Assert.Equal(16384, CurveFit.MeasuredCrossover(Curve(1e-10, 2), Curve(1e-6, 1)));
        Assert.Null(CurveFit.MeasuredCrossover(Curve(1e-6, 1), Curve(1e-10, 2)));
    }

    [Fact]
    public void OnePoint_HasNoFit_BadPointIsNamed()
    {
        Assert.Null(CurveFit.Of([(4096, 1.0)]));
        var ex = Assert.Throws<ArgumentException>(() => CurveFit.Of([(4096, 1.0), (8192, -1.0)]));
        Assert.Contains("n=8192", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CurveVerdicts_FlagAnExponentThatMoved_AndACrossoverThatMoved()
    {
        var before = Rows("a", flashK: 2, hyperC: 1e-6);
        var same = Rows("b", flashK: 2, hyperC: 1.05e-6);
        var worse = Rows("c", flashK: 2, hyperC: 1e-6, hyperK: 1.4);

        var quiet = CurveVerdicts.Build("b", same, "a", before);
        Assert.False(quiet.AnyMoved);
        var flashRow = quiet.Curves.Single(c => c.Key.Kernel == "flash");
        Assert.Equal(2, flashRow.Fit.Exponent, 1e-9);
        var cross = Assert.Single(quiet.Crossovers);
        Assert.Equal(1.05e4, cross.FittedN!.Value, 1.0);
        Assert.Equal(16384, cross.MeasuredN);

        var loud = CurveVerdicts.Build("c", worse, "a", before);
        Assert.True(loud.AnyMoved);
        var hyperRow = loud.Curves.Single(c => c.Key.Kernel == "hyper");
        Assert.True(hyperRow.Moved);
        Assert.Equal(0.4, hyperRow.ExponentChange!.Value, 1e-9);
        Assert.True(Assert.Single(loud.Crossovers).Moved);
        Assert.False(loud.Curves.Single(c => c.Key.Kernel == "flash").Moved);
    }

    [Fact]
    public void CurveVerdicts_NoisyFits_AreNotFlagged()
    {
        // Hyper's medians wobble ±40% around n^1 in the new run: its exponent's CI is wide and contains the old one; R² is too low to
        // judge the crossover.
        var before = Rows("a", flashK: 2, hyperC: 1e-6);
        var noisy = Rows("b", flashK: 2, hyperC: 1e-6);
        double[] wobble = [1.4, 0.6, 1.4, 0.6, 1.4];
        foreach (var (row, i) in noisy.Where(r => r.Kernel == "hyper").Select((r, i) => (r, i))) row.MedianSeconds *= wobble[i];

        var report = CurveVerdicts.Build("b", noisy, "a", before);

        var hyper = report.Curves.Single(c => c.Key.Kernel == "hyper");
        Assert.True(Math.Abs(hyper.ExponentChange!.Value) > CurveVerdicts.ExponentTolerance || hyper.Fit.RSquared < CurveVerdicts.MinRSquared,
            $"change {hyper.ExponentChange} R² {hyper.Fit.RSquared}");
        Assert.True(hyper.Fit.ExponentCiLow <= 1 && 1 <= hyper.Fit.ExponentCiHigh);
        Assert.False(report.AnyMoved);
    }

    private static List<ResultSummaryRow> Rows(string sweep, double flashK, double hyperC, double hyperK = 1) =>
    [
        .. Ns.Select(n => Row(sweep, "flash", n, 1e-10 * Math.Pow(n, flashK))),
        .. Ns.Select(n => Row(sweep, "hyper", n, hyperC * Math.Pow(n, hyperK) / Math.Pow(Ns[0], hyperK - 1))),
    ];

    private static ResultSummaryRow Row(string sweep, string kernel, int n, double median) => new()
    {
        SweepId = sweep, CaseId = $"{kernel}-{n}", Kernel = kernel, N = n, Pass = "fwd", Batch = 1, Heads = 1, D = 64, Dtype = "fp32",
        Distribution = "normal", HyperParameters = kernel == "hyper" ? "r=7;b=256" : null, DeviceName = "NVIDIA H200", Status = ResultStatus.Ok,
        SampleCount = 10, MedianSeconds = median,
    };
}
