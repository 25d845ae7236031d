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
}
