using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;

namespace HyperBench.Kernels.Measurement;

/// <summary>Summary of raw samples (seconds). Quantiles and moments from MathNet.Numerics; the median's CI from binomial order statistics.</summary>
public sealed record SampleStatistics(
    int Count,
    double Median,
    double P20,
    double P80,
    double Min,
    double Max,
    double Mean,
    double StdDev,
    double CoefficientOfVariation,
    double MedianCiLower,
    double MedianCiUpper,
    double MedianCiLevel)
{
    public static SampleStatistics From(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("at least one sample is needed", nameof(samples));
        var sorted = samples.ToArray();
        Array.Sort(sorted);
        double mean = ArrayStatistics.Mean(sorted);
        double sd = sorted.Length > 1 ? ArrayStatistics.StandardDeviation(sorted) : 0;
        var (lo, hi, level) = MedianConfidenceInterval(sorted, 0.95);
        return new SampleStatistics(
            sorted.Length,
            SortedArrayStatistics.Median(sorted),
            SortedArrayStatistics.Quantile(sorted, 0.2),
            SortedArrayStatistics.Quantile(sorted, 0.8),
            sorted[0],
            sorted[^1],
            mean,
            sd,
            mean > 0 ? sd / mean : 0,
            lo,
            hi,
            level);
    }

    /// <summary>
    /// Distribution-free CI of the median: the order statistics (k, n+1-k) with the largest k such that
    /// P(Binomial(n, 1/2) &lt; k) &lt;= (1 - level) / 2. With too few samples it falls back to [min, max] and reports the level reached.
    /// </summary>
    internal static (double Lower, double Upper, double Level) MedianConfidenceInterval(double[] sorted, double level)
    {
        int n = sorted.Length;
        double alphaHalf = (1 - level) / 2;
        int best = 0; // 1-based order statistic index; 0 = none achieves the level
        for (int k = 1; k <= n / 2; k++)
        {
            if (Binomial.CDF(0.5, n, k - 1) <= alphaHalf) best = k;
            else break;
        }
        if (best == 0) return (sorted[0], sorted[^1], 1 - 2 * Binomial.CDF(0.5, n, 0));
        double achieved = 1 - 2 * Binomial.CDF(0.5, n, best - 1);
        return (sorted[best - 1], sorted[n - best], achieved);
    }
}
