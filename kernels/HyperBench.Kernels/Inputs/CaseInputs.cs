using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Inputs;

/// <summary>
/// A case's inputs in its distribution (docs/algorithms.md section 4), deterministic from the seed, uploaded to the backend.
/// normal: i.i.d. N(0,1) (diffuse attention; the same streams as before, so flash results are unchanged).
/// planted: each query aimed at one key of its head, q_i = <see cref="PlantedStrength"/> k_t(i) + N(0,1) noise: the planted
/// score is about strength * sqrt(d) above the rest, so the top softmax weight is near 1 (peaked attention); the strength sets the angle.
/// clustered: Q and K rows are one of <see cref="Clusters"/> N(0,1) centres per head plus N(0, <see cref="ClusterSpread"/>^2) noise.
/// V and dO are N(0,1) in every distribution. At a 16-bit dtype Q, K, V and dO are then rounded once to it (the backward reads dO
/// at the dtype, as FlashAttention-2 does; the gradients stay fp32): the case's inputs are the rounded values, for the kernel, the
/// reference and the dump alike.
/// </summary>
public static class CaseInputs
{
    public const float PlantedStrength = 2f;
    public const int Clusters = 16;
    public const float ClusterSpread = 0.3f;

    public sealed record Host(float[] Q, float[] K, float[] V, float[]? DO);

    public static Host Generate(AttentionShape shape, string distribution, ulong seed, bool withGradient, Dtype dtype = Dtype.Fp32)
    {
        var q = InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 0));
        var k = InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 1));
        var v = InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 2));
        var dO = withGradient ? InputGenerator.Normal(shape.TensorLength, InputGenerator.StreamSeed(seed, 3)) : null;
        switch (distribution)
        {
            case "normal":
                break;
            case "planted":
                Parallel.For(0, shape.Slices, slice =>
                {
                    var rng = new SplitMixRandom(InputGenerator.StreamSeed(seed, 10_000 + slice));
                    int n = shape.N, d = shape.D;
                    long rowBase = (long)slice * n;
                    for (int i = 0; i < n; i++)
                    {
                        long target = (rowBase + rng.NextInt(n)) * d, row = (rowBase + i) * d;
                        for (int c = 0; c < d; c++) q[row + c] += PlantedStrength * k[target + c];
                    }
                });
                break;
            case "clustered":
                var centres = InputGenerator.Normal(shape.Slices * Clusters * shape.D, InputGenerator.StreamSeed(seed, 5));
                Parallel.For(0, shape.Slices, slice =>
                {
                    var rng = new SplitMixRandom(InputGenerator.StreamSeed(seed, 20_000 + slice));
                    int n = shape.N, d = shape.D;
                    foreach (var x in new[] { q, k })
                        for (int i = 0; i < n; i++)
                        {
                            long row = ((long)slice * n + i) * d, centre = ((long)slice * Clusters + rng.NextInt(Clusters)) * d;
                            for (int c = 0; c < d; c++) x[row + c] = centres[centre + c] + ClusterSpread * x[row + c];
                        }
                });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(distribution), distribution,
                    $"input distribution '{distribution}' is not supported; supported: normal, planted, clustered.");
        }
        foreach (var x in new[] { q, k, v, dO }) if (x is not null) dtype.Round(x);
        return new Host(q, k, v, dO);
    }
}
