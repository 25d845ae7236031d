namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// The offline gate's limits (docs/ptx-gate.md explains each). Defaults are the project's gate; change them there, not per run.
/// </summary>
/// <param name="MaxStackFrameBytes">Any stack frame means per-thread arrays in local memory (DRAM through L1).</param>
/// <param name="MaxSpillBytes">Spills are local-memory traffic the code did not ask for.</param>
/// <param name="MaxStaticSharedBytes">CUDA's static shared-memory cap: more fails to load without a dynamic opt-in.</param>
/// <param name="MinOccupancy">Below a quarter of the SM's warps, latency hiding rests on instruction-level parallelism alone.</param>
/// <param name="MinHotLoopFfmaFraction">Attention tiles: FFMA share of the innermost loops (a register-tiled SIMT loop is 70-90%).</param>
/// <param name="MinFfmaPerLds128">Attention tiles: FFMA fed by each 16-byte shared load in the innermost loops (LDS.64 = half).</param>
/// <param name="MaxHotLoopScalarLds">Attention tiles: 4-byte shared loads in the innermost loops waste shared bandwidth 4x.</param>
/// <param name="MinHotLoopHmma">Tensor-core tiles: HMMA in the innermost loops (the inline mma.sync reached the tensor cores
/// inside the product loop, not only outside it).</param>
public sealed record PtxGateThresholds(
    int MaxStackFrameBytes = 0,
    int MaxSpillBytes = 0,
    int MaxStaticSharedBytes = GpuLimits.MaxStaticSharedBytes,
    double MinOccupancy = 0.25,
    double MinHotLoopFfmaFraction = 0.60,
    double MinFfmaPerLds128 = 8,
    int MaxHotLoopScalarLds = 0,
    int MinHotLoopHmma = 1)
{
    public static PtxGateThresholds Default { get; } = new();
}
