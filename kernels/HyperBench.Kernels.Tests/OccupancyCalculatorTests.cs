using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The occupancy calculator against figures from NVIDIA's CUDA occupancy calculator for compute capability 9.0
/// (65,536 registers and 228 KB shared memory per SM, 64 warps, 32 blocks, 1 KB reserved per block).
/// </summary>
public sealed class OccupancyCalculatorTests
{
    private readonly OccupancyCalculator _h100 = new(GpuLimits.Sm90);

    [Theory]
    // Today's flash kernels: 64 threads, 32 registers, K+V tiles of 32 rows (+ a 32-float bias tile).
    [InlineData(64, 32, 16512, 13, 26, "shared memory")]
    [InlineData(64, 32, 32896, 6, 12, "shared memory")]
    // Register-tiled forward prototypes: 4x4 tiles at 256 threads, 8x4 tiles at 128 threads with 48 KB of shared memory.
    [InlineData(256, 72, 49152, 3, 24, "registers")]
    [InlineData(128, 128, 49152, 4, 16, "registers")]
    // One register over 128 rounds to 136 per thread: three quarters of the warps fit per scheduler, not four.
    [InlineData(128, 129, 0, 3, 12, "registers")]
    [InlineData(256, 32, 0, 8, 64, "warps")]
    [InlineData(1024, 64, 0, 1, 32, "registers")]
    [InlineData(32, 255, 0, 8, 8, "registers")]
    [InlineData(32, 16, 0, 32, 32, "blocks")]
    // 40 registers: 1,280 per warp; 12 warps per 16,384-register scheduler quarter = 48 warps, not 65,536 / 1,280 = 51.
    [InlineData(64, 40, 0, 24, 48, "registers")]
    [InlineData(128, 168, 0, 3, 12, "registers")]
    public void Compute_KnownCudaCalculatorCases_Match(int threads, int registers, int shared, int blocks, int warps, string limiter)
    {
        var occupancy = _h100.Compute(threads, registers, shared);

        Assert.Equal(blocks, occupancy.BlocksPerSm);
        Assert.Equal(warps, occupancy.ActiveWarps);
        Assert.Equal(warps / 64.0, occupancy.Fraction, 12);
        Assert.Equal(limiter, occupancy.Limiter);
    }

    [Theory]
    [InlineData(1024, 255, 0)]
    [InlineData(256, 32, 240 * 1024)]
    [InlineData(2048, 32, 0)]
    public void Compute_UnlaunchableShape_ZeroOccupancyWithReason(int threads, int registers, int shared)
    {
        var occupancy = _h100.Compute(threads, registers, shared);

        Assert.Equal(0, occupancy.BlocksPerSm);
        Assert.Equal(0, occupancy.Fraction);
        Assert.Contains("exceed", occupancy.Limiter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16, 0, 1024)]
    [InlineData(64, 0, 1024)]
    // 48 warps fit at 40 registers: 768 threads is the largest block size that reaches them (2 blocks).
    [InlineData(40, 0, 768)]
    [InlineData(255, 0, 256)]
    public void MaxPotentialBlockSize_KnownCases_Match(int registers, int shared, int expected) =>
        Assert.Equal(expected, _h100.MaxPotentialBlockSize(registers, shared));

    [Fact]
    public void Compute_A100SharedMemory_FewerBlocksThanH100()
    {
        // 164 KB per SM on sm_80: 9 blocks of 16.5 KB + 1 KB where sm_90 fits 13.
        Assert.Equal(9, new OccupancyCalculator(GpuLimits.Sm80).Compute(64, 32, 16512).BlocksPerSm);
    }
}
