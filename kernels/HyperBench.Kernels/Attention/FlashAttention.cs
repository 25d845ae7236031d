using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// Exact attention over [batch, heads, n, d] tensors: one dense segment per (batch, head), run by the backend's tile primitive.
/// The algorithm lives here once; backends only provide the tile kernels.
/// </summary>
public sealed class FlashAttention : IAttentionAlgorithm
{
    private readonly IAttentionBackend _backend;
    private readonly IAttentionPlan _plan;

    /// <param name="dtype">The storage of q, k, v (<see cref="DtypeStorage"/>) and the arithmetic of the forward.</param>
    public FlashAttention(IAttentionBackend backend, AttentionShape shape, bool causal, Dtype dtype = Dtype.Fp32)
    {
        _backend = backend;
        Shape = shape;
        Causal = causal;
        Dtype = dtype;
        _plan = backend.CreatePlan(AttentionSegment.PerSlice(shape, causal), shape.D, shape.Scale);
    }

    public AttentionShape Shape { get; }

    public bool Causal { get; }

    public Dtype Dtype { get; }

    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse) =>
        _plan.Forward(Dtype, q, k, v, null, o, lse);

    /// <summary>Overwrites dq, dk, dv with the gradient of the forward pass whose O and lse are given.</summary>
    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        _backend.Clear(dq);
        _backend.Clear(dk);
        _backend.Clear(dv);
        _plan.Backward(Dtype, q, k, v, null, o, lse, dO, dq, dk, dv);
    }

    public void Dispose() => _plan.Dispose();
}
