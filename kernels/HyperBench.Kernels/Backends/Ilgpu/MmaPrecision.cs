namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The tensor-core arithmetic of the <see cref="MmaForwardKernels"/> (docs/gpu-kernels.md, "Tensor-core kernels").
/// </summary>
public enum MmaPrecision
{
    /// <summary>fp32 inputs; each product is big·big + big·small + small·big of tf32 halves (mma m16n8k8), fp32 accumulate.</summary>
    Tf32x3,

    /// <summary>bf16 inputs stored as 16-bit, mma m16n8k16 with fp32 accumulate; P is rounded to bf16 for P·V.</summary>
    Bf16,

    /// <summary>fp16 inputs stored as 16-bit, mma m16n8k16 with fp32 accumulate; P is rounded to fp16 for P·V.</summary>
    Fp16,
}
