using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Attention;

/// <summary>An attention algorithm built for one shape on one backend: flash (exact) or HyperAttention (approximate).</summary>
public interface IAttentionAlgorithm : IDisposable
{
    /// <summary>Queues the forward pass: O and lse for every row.</summary>
    void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse);

    /// <summary>Queues the backward pass given the forward's O and lse: writes dQ, dK, dV.</summary>
    void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv);
}
