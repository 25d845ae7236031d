namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Theoretical occupancy as NVIDIA's occupancy calculator (cuda_occupancy.h) computes it, from ptxas's register and
/// static shared-memory figures, for a GPU described by <see cref="GpuLimits"/>.
/// </summary>
public sealed class OccupancyCalculator(GpuLimits limits)
{
    public GpuLimits Limits { get; } = limits;

    public Occupancy Compute(int threadsPerBlock, int registersPerThread, int sharedBytesPerBlock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadsPerBlock, 1);
        var l = Limits;
        int warpsPerBlock = Ceil(threadsPerBlock, GpuLimits.WarpSize);
        if (threadsPerBlock > l.MaxThreadsPerBlock) return None(threadsPerBlock, $"{threadsPerBlock} threads exceed {l.MaxThreadsPerBlock} per block");
        if (registersPerThread > l.MaxRegistersPerThread) return None(threadsPerBlock, $"{registersPerThread} registers exceed {l.MaxRegistersPerThread} per thread");

        int byWarps = Math.Min(l.MaxBlocksPerSm, l.MaxWarpsPerSm / warpsPerBlock);

        int byRegisters = int.MaxValue;
        if (registersPerThread > 0)
        {
            int registersPerWarp = Ceil(registersPerThread * GpuLimits.WarpSize, GpuLimits.RegisterAllocationUnit) * GpuLimits.RegisterAllocationUnit;
            if (registersPerWarp * warpsPerBlock > l.MaxRegistersPerBlock)
                return None(threadsPerBlock, $"{registersPerWarp * warpsPerBlock} registers per block exceed {l.MaxRegistersPerBlock}");
            // Each scheduler holds a quarter of the register file and its warps' registers whole: round down per quarter.
            int warpsByRegisters = l.RegistersPerSm / GpuLimits.SubPartitions / registersPerWarp * GpuLimits.SubPartitions;
            byRegisters = warpsByRegisters / warpsPerBlock;
        }

        // From sm_80 on, the driver reserves 1 KB of shared memory per resident block, whatever the kernel declares.
        int sharedPerBlock = Ceil(sharedBytesPerBlock + l.ReservedSharedBytesPerBlock, l.SharedAllocationUnit) * l.SharedAllocationUnit;
        if (sharedBytesPerBlock > l.MaxSharedBytesPerBlock)
            return None(threadsPerBlock, $"{sharedBytesPerBlock} B of shared memory exceed {l.MaxSharedBytesPerBlock} per block");
        int byShared = l.SharedBytesPerSm / sharedPerBlock;

        int blocks = Math.Min(Math.Min(byWarps, byRegisters), byShared);
        // On a tie the hardware ceiling is named: more registers or shared memory would not help.
        string limiter = blocks == byWarps ? (l.MaxWarpsPerSm / warpsPerBlock < l.MaxBlocksPerSm ? "warps" : "blocks")
            : blocks == byRegisters ? "registers"
            : "shared memory";
        if (blocks == 0) return None(threadsPerBlock, $"not one block fits ({limiter})");
        return new Occupancy(threadsPerBlock, blocks, blocks * warpsPerBlock, l.MaxWarpsPerSm, limiter);
    }

    /// <summary>
    /// The block size cuOccupancyMaxPotentialBlockSize returns with no dynamic shared memory and no size limit: the largest
    /// multiple of the warp size with the most resident threads. ILGPU's auto-grouped kernels on CUDA launch with it.
    /// </summary>
    public int MaxPotentialBlockSize(int registersPerThread, int sharedBytesPerBlock)
    {
        int best = 0, bestThreads = 0;
        for (int size = Limits.MaxThreadsPerBlock; size > 0; size -= GpuLimits.WarpSize)
        {
            int threads = Compute(size, registersPerThread, sharedBytesPerBlock).BlocksPerSm * size;
            if (threads > bestThreads)
            {
                best = size;
                bestThreads = threads;
            }
            if (bestThreads == Limits.MaxWarpsPerSm * GpuLimits.WarpSize) break;
        }
        return best;
    }

    private Occupancy None(int threadsPerBlock, string why) => new(threadsPerBlock, 0, 0, Limits.MaxWarpsPerSm, why);

    private static int Ceil(int value, int unit) => (value + unit - 1) / unit;
}
