using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>Lets Orleans carry <see cref="BenchmarkCase"/> (and so any record holding one) as a <see cref="WireCase"/>.</summary>
[RegisterConverter]
public sealed class WireCaseConverter : IConverter<BenchmarkCase, WireCase>
{
    public BenchmarkCase ConvertFromSurrogate(in WireCase surrogate) => new(
        Enum.Parse<KernelKind>(surrogate.Kernel),
        surrogate.N,
        surrogate.Causal,
        Enum.Parse<AttentionPass>(surrogate.Pass),
        surrogate.Batch,
        surrogate.Heads,
        surrogate.D,
        DtypeNames.Parse(surrogate.Dtype),
        surrogate.Distribution,
        surrogate.Seed,
        surrogate.HasHyper
            ? new HyperParameters(surrogate.LshProjections, surrogate.BlockSize, surrogate.Samples, surrogate.MinSeqLen, surrogate.Sampling ?? "uniform",
                WireVariants.BucketOrder(surrogate.BucketOrder), WireVariants.Resample(surrogate.Resample), surrogate.ShortExact,
                WireVariants.Gradient(surrogate.Gradient))
            : null);

    public WireCase ConvertToSurrogate(in BenchmarkCase value) => new(
        value.Kernel.ToString(),
        value.N,
        value.Causal,
        value.Pass.ToString(),
        value.Batch,
        value.Heads,
        value.D,
        value.Dtype.Name(),
        value.Distribution,
        value.Seed,
        value.Hyper is not null,
        value.Hyper?.LshProjections ?? 0,
        value.Hyper?.BlockSize ?? 0,
        value.Hyper?.Samples ?? 0,
        value.Hyper?.MinSeqLen ?? 0,
        value.Hyper?.Sampling,
        value.Hyper?.BucketOrder.Name(),
        value.Hyper?.Resample.Name(),
        value.Hyper?.ShortExact ?? false,
        value.Hyper?.Gradient.Name());
}
