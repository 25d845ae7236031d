namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The tensor-core forward and backward of an ILGPU <see cref="IAttentionPlan"/> (plans from <see cref="IlgpuBackend.CreatePlan"/>
/// implement it). Same segments, bias and output semantics as <see cref="IAttentionPlan.Forward"/> and
/// <see cref="IAttentionPlan.Backward"/>; the inputs' storage follows the precision: fp32 for <see cref="MmaPrecision.Tf32x3"/>,
/// 16-bit bit patterns from <see cref="IlgpuBackend.Upload16"/> for <see cref="MmaPrecision.Bf16"/> and <see cref="MmaPrecision.Fp16"/>
/// (rounded with <see cref="NarrowFloat"/>). The key bias, O, lse and the gradients are fp32 at every precision.
/// </summary>
public interface ITensorCorePlan
{
    void ForwardMma(MmaPrecision precision, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse);

    /// <summary>
    /// The gradients of the tensor-core attention, added into <paramref name="dq"/>, <paramref name="dk"/> and <paramref name="dv"/>
    /// (fp32, cleared by the caller, as <see cref="IAttentionPlan.Backward"/>). q, k, v and dO are stored as for
    /// <see cref="ForwardMma"/> (16-bit for bf16 / fp16, fp32 for 3xTF32); o and lse are the forward's fp32 outputs.
    /// <see cref="IlgpuBackend.SupportsMmaBackward"/> says which precisions and head dimensions exist.
    /// </summary>
    void BackwardMma(MmaPrecision precision, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o,
        IDeviceTensor lse, IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv);
}
