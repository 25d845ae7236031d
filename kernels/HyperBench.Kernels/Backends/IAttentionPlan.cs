namespace HyperBench.Kernels.Backends;

/// <summary>
/// A list of <see cref="AttentionSegment"/>s prepared on one backend (tile lists uploaded, scratch allocated).
/// Algorithms build plans once per shape and run them many times.
/// </summary>
public interface IAttentionPlan : IDisposable
{
    IReadOnlyList<AttentionSegment> Segments { get; }

    int HeadDim { get; }

    /// <summary>
    /// Tile attention with lse. Writes O and lse for every query row covered by a segment.
    /// <paramref name="keyBias"/> (optional, one float per key row) is added to the scaled score; -inf masks a key.
    /// A row that sees no key gets O = 0 and lse = -inf.
    /// </summary>
    void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse);

    /// <summary>
    /// <see cref="Forward(IDeviceTensor, IDeviceTensor, IDeviceTensor, IDeviceTensor?, IDeviceTensor, IDeviceTensor)"/> with q, k, v
    /// stored at <paramref name="dtype"/> (<see cref="DtypeStorage"/>); key bias, O and lse stay fp32. A plan without the dtype
    /// refuses it rather than reading its storage as fp32.
    /// </summary>
    void Forward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        if (dtype != Dtype.Fp32) throw new NotSupportedException($"this plan has no {dtype.Name()} forward.");
        Forward(q, k, v, keyBias, o, lse);
    }

    /// <summary>
    /// The exact gradient of <see cref="Forward"/> given its O and lse (FA-2 order, recomputing P).
    /// Adds into <paramref name="dq"/>, <paramref name="dk"/> and <paramref name="dv"/> (callers zero them first).
    /// </summary>
    void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv);

    /// <summary>
    /// <see cref="Backward(IDeviceTensor, IDeviceTensor, IDeviceTensor, IDeviceTensor?, IDeviceTensor, IDeviceTensor, IDeviceTensor, IDeviceTensor, IDeviceTensor, IDeviceTensor)"/>
    /// with q, k, v and dO stored at <paramref name="dtype"/> (<see cref="DtypeStorage"/>); key bias, O, lse and the gradients stay
    /// fp32. A plan without the dtype refuses it rather than reading its storage as fp32.
    /// </summary>
    void Backward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        if (dtype != Dtype.Fp32) throw new NotSupportedException($"this plan has no {dtype.Name()} backward.");
        Backward(q, k, v, keyBias, o, lse, dO, dq, dk, dv);
    }
}
