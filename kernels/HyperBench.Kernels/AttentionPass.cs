namespace HyperBench.Kernels;

/// <summary>What a case runs: the forward pass alone, or forward followed by backward.</summary>
public enum AttentionPass
{
    Forward,
    ForwardBackward,
}
