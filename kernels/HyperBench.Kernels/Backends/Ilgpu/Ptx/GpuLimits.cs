namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Per-SM limits that decide occupancy (CUDA C Programming Guide, "Technical Specifications per Compute Capability",
/// and the CUDA occupancy calculator's tables).
/// </summary>
public sealed record GpuLimits(
    string Architecture, string Devices, int RegistersPerSm, int MaxRegistersPerThread, int MaxRegistersPerBlock,
    int SharedBytesPerSm, int MaxSharedBytesPerBlock, int ReservedSharedBytesPerBlock, int SharedAllocationUnit,
    int MaxWarpsPerSm, int MaxBlocksPerSm, int MaxThreadsPerBlock)
{
    public const int WarpSize = 32;

    /// <summary>Registers are handed out per warp in units of 256 (8 per thread).</summary>
    public const int RegisterAllocationUnit = 256;

    /// <summary>Warps are placed on the SM's four schedulers (sub-partitions), each with a quarter of the register file.</summary>
    public const int SubPartitions = 4;

    /// <summary>The largest static shared memory a kernel may declare (dynamic shared memory beyond needs an opt-in).</summary>
    public const int MaxStaticSharedBytes = 48 * 1024;

    public static GpuLimits Sm90 { get; } = new("sm_90", "H100, H200", 65536, 255, 65536, 228 * 1024, 227 * 1024, 1024, 128, 64, 32, 1024);

    public static GpuLimits Sm89 { get; } = new("sm_89", "L4, L40S, RTX 40xx", 65536, 255, 65536, 100 * 1024, 99 * 1024, 1024, 128, 48, 24, 1024);

    public static GpuLimits Sm86 { get; } = new("sm_86", "A10, A40, RTX 30xx", 65536, 255, 65536, 100 * 1024, 99 * 1024, 1024, 128, 48, 16, 1024);

    public static GpuLimits Sm80 { get; } = new("sm_80", "A100", 65536, 255, 65536, 164 * 1024, 163 * 1024, 1024, 128, 64, 32, 1024);

    public static GpuLimits For(string architecture) => architecture switch
    {
        "sm_90" => Sm90,
        "sm_89" => Sm89,
        "sm_86" => Sm86,
        "sm_80" => Sm80,
        _ => throw new ArgumentException($"no occupancy limits for '{architecture}'", nameof(architecture)),
    };
}
