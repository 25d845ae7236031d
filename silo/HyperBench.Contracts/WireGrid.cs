namespace HyperBench.Contracts;

/// <summary>
/// The wire form of a <see cref="Kernels.Measurement.BenchmarkGrid"/> (kernels/ knows nothing of Orleans): enums by name, dtypes by
/// their canonical names, hyper parameters flattened, as in <see cref="WireCase"/>.
/// </summary>
[GenerateSerializer, Alias("hyperbench.WireGrid")]
public readonly record struct WireGrid(
    [property: Id(0)] string[] Kernels,
    [property: Id(1)] int[] SeqLens,
    [property: Id(2)] bool[] Causal,
    [property: Id(3)] string[] Passes,
    [property: Id(4)] int[] Batches,
    [property: Id(5)] int[] Heads,
    [property: Id(6)] int[] HeadDims,
    [property: Id(7)] string[] Dtypes,
    [property: Id(8)] string[] Distributions,
    [property: Id(9)] ulong Seed,
    [property: Id(10)] int LshProjections,
    [property: Id(11)] int BlockSize,
    [property: Id(12)] int Samples,
    [property: Id(13)] int MinSeqLen,
    [property: Id(14)] string Sampling,
    [property: Id(15)] string? BucketOrder = null,
    [property: Id(16)] string? Resample = null,
    [property: Id(17)] bool ShortExact = false,
    [property: Id(18)] string? Gradient = null);
