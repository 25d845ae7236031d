using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// The wire form of a <see cref="BenchmarkCase"/>: kernels/ knows nothing of Orleans, so its record crosses the wire through this
/// surrogate (enums as names, hyper parameters flattened).
/// </summary>
[GenerateSerializer, Alias("hyperbench.WireCase")]
public readonly record struct WireCase(
    [property: Id(0)] string Kernel,
    [property: Id(1)] int N,
    [property: Id(2)] bool Causal,
    [property: Id(3)] string Pass,
    [property: Id(4)] int Batch,
    [property: Id(5)] int Heads,
    [property: Id(6)] int D,
    [property: Id(7)] string Dtype,
    [property: Id(8)] string Distribution,
    [property: Id(9)] ulong Seed,
    [property: Id(10)] bool HasHyper,
    [property: Id(11)] int LshProjections,
    [property: Id(12)] int BlockSize,
    [property: Id(13)] int Samples,
    [property: Id(14)] int MinSeqLen,
    [property: Id(15)] string? Sampling,
    [property: Id(16)] string? BucketOrder = null,
    [property: Id(17)] string? Resample = null,
    [property: Id(18)] bool ShortExact = false,
    [property: Id(19)] string? Gradient = null);
