namespace HyperBench.Kernels;

/// <summary>The attention algorithm a case benchmarks.</summary>
public enum KernelKind
{
    /// <summary>FlashAttention-style exact tiled attention.</summary>
    Flash,
}
