namespace HyperBench.Kernels;

/// <summary>The attention algorithm a case benchmarks.</summary>
public enum KernelKind
{
    /// <summary>FlashAttention-style exact tiled attention.</summary>
    Flash,

    /// <summary>HyperAttention (sortLSH blocks + sampled keys; docs/algorithms.md section 3): approximate, near-linear.</summary>
    Hyper,
}
