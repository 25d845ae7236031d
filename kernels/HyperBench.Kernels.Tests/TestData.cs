using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Tests;

internal static class TestData
{
    public sealed record Inputs(float[] Q, float[] K, float[] V, float[] DO);

    /// <summary>Distinct N(0,1) data for every tensor (and so every head); seeds fixed.</summary>
    public static Inputs Make(AttentionShape shape, ulong seed) => new(
        InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 0)),
        InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 1)),
        InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 2)),
        InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 3)));

    public static double MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsNegativeInfinity(expected[i]) && float.IsNegativeInfinity(actual[i])) continue;
            double diff = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(diff)) return double.PositiveInfinity;
            max = Math.Max(max, diff);
        }
        return max;
    }

    public static double MaxAbs(ReadOnlySpan<double> values)
    {
        double max = 0;
        foreach (var v in values) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    /// <summary>
    /// Central finite differences of a loss (callers use L = sum(O * dO)) against analytic dQ, dK, dV at <paramref name="trials"/>
    /// random elements of each input: perturbs the inputs in place and restores them. Passes when
    /// |numeric - analytic| &lt;= <paramref name="absolute"/> + <paramref name="relative"/> |numeric|.
    /// </summary>
    public static void AssertMatchesFiniteDifferences(Inputs inputs, float[] dq, float[] dk, float[] dv, Func<double> loss, int seed,
        double absolute, double relative, int trials = 12)
    {
        var rng = new Random(seed);
        foreach (var (name, tensor, grad) in new[] { ("Q", inputs.Q, dq), ("K", inputs.K, dk), ("V", inputs.V, dv) })
        {
            for (int trial = 0; trial < trials; trial++)
            {
                int idx = rng.Next(tensor.Length);
                const float h = 1e-2f;
                float saved = tensor[idx];
                tensor[idx] = saved + h;
                double plus = loss();
                tensor[idx] = saved - h;
                double minus = loss();
                tensor[idx] = saved;
                double numeric = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(numeric - grad[idx]) <= absolute + relative * Math.Abs(numeric),
                    $"d{name}[{idx}]: analytic {grad[idx]:G6}, finite difference {numeric:G6}");
            }
        }
    }
}
