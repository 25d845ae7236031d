using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>The statistical claims of HyperAttention's sampled part, checked over many seeds (cpu backend, N(0,1) inputs).</summary>
public sealed class HyperStatisticsTests(BackendFixture backends)
{
    /// <summary>
    /// exp(lse_hyper_i) = (exact block sum) + (n/m) * (sum of the sampled, non-own-block terms): unbiased for the exact row sum
    /// given any sort, hence over seeds (which change projections and samples). Over S = 200 seeds the mean ratio to the exact
    /// sum must lie within 4.5 standard errors of 1, the standard error estimated from the same seeds (|z| &gt; 4.5 has
    /// probability ~7e-6 per row; 12 rows are checked). A missing own-block mask adds the block terms twice and a wrong
    /// weight scales the residual: both move the mean by many standard errors.
    /// </summary>
    [Theory]
    [InlineData("uniform")]
    [InlineData("value-norm")]
    public void RowSumEstimator_AveragedOverSeeds_ConvergesToExactRowSum(string sampling)
    {
        var shape = new AttentionShape(1, 1, 512, 64);
        var inputs = TestData.Make(shape, 51);
        var exact = ReferenceAttention.Forward(shape, false, inputs.Q, inputs.K, inputs.V);
        var parameters = new HyperParameters(LshProjections: 4, BlockSize: 64, Samples: 16, Sampling: sampling);
        const int seeds = 200, rows = 12;
        var sum = new double[rows];
        var sumSq = new double[rows];
        for (int s = 0; s < seeds; s++)
        {
            var r = HyperHost.Run(backends.Cpu, shape, false, parameters, (ulong)(1000 + s), inputs.Q, inputs.K, inputs.V, keepPattern: false);
            for (int i = 0; i < rows; i++)
            {
                double ratio = Math.Exp(r.Lse[i * 37] - exact.Lse[i * 37]);
                sum[i] += ratio;
                sumSq[i] += ratio * ratio;
            }
        }
        for (int i = 0; i < rows; i++)
        {
            double mean = sum[i] / seeds;
            double se = Math.Sqrt(Math.Max(0, sumSq[i] / seeds - mean * mean) / (seeds - 1));
            Assert.True(se > 0, "the estimator should vary with the seed");
            Assert.True(Math.Abs(mean - 1) <= 4.5 * se, $"row {i * 37}: mean ratio {mean:F4}, standard error {se:F4}");
        }
    }

    /// <summary>
    /// Averaged over 6 seeds, the relative Frobenius error of O falls as m grows, about as 1/sqrt(m): from m = 16 to 256 the
    /// theory gives 4x; accepted within [2.5, 6.5] (seed noise on 6 seeds). The error is reported, never required small.
    /// </summary>
    [Fact]
    public void Error_AveragedOverSeeds_FallsAboutAsInverseSqrtOfSamples()
    {
        var shape = new AttentionShape(1, 1, 2048, 64);
        var inputs = TestData.Make(shape, 52);
        var exact = backends.Run("cpu", shape, false, inputs.Q, inputs.K, inputs.V);
        var errors = new Dictionary<int, double>();
        foreach (int m in new[] { 16, 64, 256 })
        {
            double total = 0;
            for (int s = 0; s < 6; s++)
            {
                var r = HyperHost.Run(backends.Cpu, shape, false, new HyperParameters(BlockSize: 64, Samples: m), (ulong)(77 + s), inputs.Q, inputs.K, inputs.V, keepPattern: false);
                total += AccuracyCalculator.Compare("o", r.O, exact.O, inputs.V, shape.N, shape.D, [0]).RelativeFrobenius;
            }
            errors[m] = total / 6;
        }
        Assert.True(errors[16] > errors[64] && errors[64] > errors[256], $"errors {string.Join(", ", errors)}");
        double ratio = errors[16] / errors[256];
        Assert.InRange(ratio, 2.5, 6.5);
    }
}
