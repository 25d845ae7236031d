using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace HyperBench.Regressions;

/// <summary>
/// A power law t = c·n^k fitted by least squares to log(t) against log(n) (MathNet's Fit.Line on natural logs): the exponent k
/// with a 95% confidence interval (Student's t on the slope's standard error; none with two points) and R².
/// </summary>
public sealed record CurveFit(int Points, double Exponent, double LogIntercept, double RSquared, double? ExponentCiLow, double? ExponentCiHigh,
    int MinN, int MaxN)
{
    /// <summary>The fitted time at <paramref name="n"/>.</summary>
    public double Predict(double n) => Math.Exp(LogIntercept + Exponent * Math.Log(n));

    /// <summary>The fit, or null with fewer than two distinct n (a line needs two).</summary>
    /// <exception cref="ArgumentException">A non-positive n or time.</exception>
    public static CurveFit? Of(IReadOnlyList<(int N, double Seconds)> points)
    {
        foreach (var (n, s) in points)
            if (n <= 0 || !(s > 0) || !double.IsFinite(s))
                throw new ArgumentException($"point (n={n}, t={s}) cannot be fitted on log axes: both must be positive.", nameof(points));
        if (points.Select(p => p.N).Distinct().Count() < 2) return null;
        var x = points.Select(p => Math.Log(p.N)).ToArray();
        var y = points.Select(p => Math.Log(p.Seconds)).ToArray();
        var (intercept, slope) = Fit.Line(x, y);
        var predicted = x.Select(v => intercept + slope * v).ToArray();
        double rSquared = GoodnessOfFit.CoefficientOfDetermination(predicted, y);
        double? low = null, high = null;
        int df = points.Count - 2;
        if (df >= 1)
        {
            double meanX = x.Average();
            double sxx = x.Sum(v => (v - meanX) * (v - meanX));
            double ssr = y.Zip(predicted, (a, b) => (a - b) * (a - b)).Sum();
            double se = Math.Sqrt(ssr / df / sxx);
            double t = StudentT.InvCDF(0, 1, df, 0.975);
            low = slope - t * se;
            high = slope + t * se;
        }
        return new CurveFit(points.Count, slope, intercept, rSquared, low, high, points.Min(p => p.N), points.Max(p => p.N));
    }

    /// <summary>
    /// The n where the <paramref name="faster"/> curve (smaller exponent) overtakes <paramref name="slower"/>: the intersection of the
    /// fitted lines; null when the exponents do not cross that way (the faster-growing curve never loses).
    /// </summary>
    public static double? Crossover(CurveFit slower, CurveFit faster)
    {
        double dk = slower.Exponent - faster.Exponent;
        if (!(dk > 1e-9)) return null;
        double logN = (faster.LogIntercept - slower.LogIntercept) / dk;
        return logN > 700 ? null : Math.Exp(logN);
    }

    /// <summary>
    /// The smallest measured n from which <paramref name="faster"/>'s time is below <paramref name="slower"/>'s at every measured n both
    /// have; null when it is not below at the largest.
    /// </summary>
    public static int? MeasuredCrossover(IReadOnlyList<(int N, double Seconds)> slower, IReadOnlyList<(int N, double Seconds)> faster)
    {
        var s = slower.ToDictionary(p => p.N, p => p.Seconds);
        var common = faster.Where(p => s.ContainsKey(p.N)).OrderByDescending(p => p.N).ToList();
        int? from = null;
        foreach (var (n, t) in common)
        {
            if (t < s[n]) from = n;
            else break;
        }
        return from;
    }
}
