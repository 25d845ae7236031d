namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The tensor-core forward of an ILGPU <see cref="IAttentionPlan"/> (plans from <see cref="IlgpuBackend.CreatePlan"/> implement
/// it). Same segments, bias and output semantics as <see cref="IAttentionPlan.Forward"/>; the inputs' storage follows the
/// precision: fp32 for <see cref="MmaPrecision.Tf32x3"/>, 16-bit bit patterns from <see cref="IlgpuBackend.Upload16"/> for
/// <see cref="MmaPrecision.Bf16"/> and <see cref="MmaPrecision.Fp16"/> (rounded with <see cref="NarrowFloat"/>). The key bias,
/// O and lse are fp32 at every precision.
/// </summary>
public interface ITensorCorePlan
{
    void ForwardMma(MmaPrecision precision, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse);
}
