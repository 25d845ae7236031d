using HyperBench.Kernels;

namespace HyperBench.Contracts;

/// <summary>The hyper variants on the wire by name; a surrogate written before the variants existed (null) reads as our defaults.</summary>
internal static class WireVariants
{
    public static BucketOrder BucketOrder(string? name) => name is null ? Kernels.BucketOrder.Rank : HyperVariantNames.ParseBucketOrder(name);

    public static Resample Resample(string? name) => name is null ? Kernels.Resample.Once : HyperVariantNames.ParseResample(name);

    public static HyperGradient Gradient(string? name) => name is null ? HyperGradient.Exact : HyperVariantNames.ParseGradient(name);
}
