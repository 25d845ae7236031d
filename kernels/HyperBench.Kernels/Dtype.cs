namespace HyperBench.Kernels;

/// <summary>
/// The storage type of a case's tensors. Part of a case's identity through its canonical name (<see cref="DtypeNames"/>); which
/// dtypes a backend implements is the backend's answer (<see cref="Backends.IAttentionBackend.Supports"/>), never assumed.
/// </summary>
public enum Dtype
{
    /// <summary>IEEE single precision: every backend today.</summary>
    Fp32,

    /// <summary>fp32 inputs on tensor cores as three tf32 products (hi*hi + hi*lo + lo*hi): near-fp32 accuracy.</summary>
    Tf32x3,

    /// <summary>bfloat16 storage, fp32 accumulation.</summary>
    Bf16,

    /// <summary>IEEE half storage, fp32 accumulation.</summary>
    Fp16,
}
