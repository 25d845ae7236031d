using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>Lets Orleans carry <see cref="BenchmarkGrid"/> (inside <see cref="SweepPlan"/>) as a <see cref="WireGrid"/>.</summary>
[RegisterConverter]
public sealed class WireGridConverter : IConverter<BenchmarkGrid, WireGrid>
{
    public BenchmarkGrid ConvertFromSurrogate(in WireGrid surrogate) => new()
    {
        Kernels = [.. surrogate.Kernels.Select(Enum.Parse<KernelKind>)],
        SeqLens = surrogate.SeqLens,
        Causal = surrogate.Causal,
        Passes = [.. surrogate.Passes.Select(Enum.Parse<AttentionPass>)],
        Batches = surrogate.Batches,
        Heads = surrogate.Heads,
        HeadDims = surrogate.HeadDims,
        Dtypes = [.. surrogate.Dtypes.Select(DtypeNames.Parse)],
        Distributions = surrogate.Distributions,
        Seed = surrogate.Seed,
        Hyper = new HyperParameters(surrogate.LshProjections, surrogate.BlockSize, surrogate.Samples, surrogate.MinSeqLen, surrogate.Sampling,
            WireVariants.BucketOrder(surrogate.BucketOrder), WireVariants.Resample(surrogate.Resample), surrogate.ShortExact,
            WireVariants.Gradient(surrogate.Gradient)),
    };

    public WireGrid ConvertToSurrogate(in BenchmarkGrid value) => new(
        [.. value.Kernels.Select(k => k.ToString())],
        value.SeqLens,
        value.Causal,
        [.. value.Passes.Select(p => p.ToString())],
        value.Batches,
        value.Heads,
        value.HeadDims,
        [.. value.Dtypes.Select(d => d.Name())],
        value.Distributions,
        value.Seed,
        value.Hyper.LshProjections,
        value.Hyper.BlockSize,
        value.Hyper.Samples,
        value.Hyper.MinSeqLen,
        value.Hyper.Sampling,
        value.Hyper.BucketOrder.Name(),
        value.Hyper.Resample.Name(),
        value.Hyper.ShortExact,
        value.Hyper.Gradient.Name());
}
