namespace HyperBench.Kernels.Backends;

/// <summary>What a backend runs on: enough to judge whether a number is plausible and whether a case fits.</summary>
/// <param name="Kind">Backend kind.</param>
/// <param name="Id">The --device spelling, e.g. cuda:0, ilgpu-cpu, cpu.</param>
/// <param name="Name">Model name (GPU model or CPU model).</param>
/// <param name="MemoryBytes">Memory the backend may allocate from.</param>
/// <param name="PeakFp32Flops">Theoretical fp32 peak (FLOP/s) used by the sanity gate.</param>
/// <param name="Detail">Compute capability, core count, driver: free text for the environment record.</param>
/// <param name="PeakTf32Flops">Theoretical dense tf32 tensor-core peak (FLOP/s); 0 where there are no tensor cores (the CPU
/// accelerator emulates them in fp32, so its fp32 peak bounds every dtype).</param>
/// <param name="PciBusId">A CUDA device's PCI address (NVML's and DCGM's spelling through <see cref="Backends.PciBusId"/>); null on CPUs.</param>
public sealed record DeviceInfo(DeviceKind Kind, string Id, string Name, long MemoryBytes, double PeakFp32Flops, string Detail, double PeakTf32Flops = 0,
    PciBusId? PciBusId = null)
{
    /// <summary>
    /// The peak a case at <paramref name="dtype"/> cannot exceed, for the sanity gate: fp32 SIMT for fp32; on tensor cores the
    /// tf32 peak for tf32x3 divided by its 3 mma per product, and twice the tf32 peak for bf16 and fp16 (Ampere and Hopper).
    /// </summary>
    public double PeakFlops(Dtype dtype) => PeakTf32Flops <= 0 ? PeakFp32Flops : dtype switch
    {
        Dtype.Tf32x3 => PeakTf32Flops / 3,
        Dtype.Bf16 or Dtype.Fp16 => 2 * PeakTf32Flops,
        _ => PeakFp32Flops,
    };

    /// <summary>The driver version (the CUDA driver API version on CUDA, e.g. 12.4); empty where there is none (cpu).</summary>
    public string Driver { get; init; } = "";
}
