namespace HyperBench.Kernels;

/// <summary>
/// What a case times: the forward pass alone, forward followed by backward, or the backward alone (after an untimed forward on the
/// same inputs, which supplies O and lse).
/// </summary>
public enum AttentionPass
{
    Forward,
    ForwardBackward,
    Backward,
}
