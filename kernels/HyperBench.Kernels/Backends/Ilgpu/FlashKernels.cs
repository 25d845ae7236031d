using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The row-wise step of the flash backward: D = rowsum(dO ∘ O), one thread per query row. The tile kernels are
/// <see cref="FlashForwardKernels"/> and <see cref="FlashBackwardKernels"/>.
/// </summary>
internal static class FlashKernels
{
    /// <summary>Rows per thread group (one thread per row).</summary>
    public const int GroupRows = 64;

    /// <summary>D_i = dO_i . O_i for every query row of the tile.</summary>
    public static void RowDot<TDim>(KernelArgs a) where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        var tile = a.Tiles[Grid.IdxX];
        int i = tile.RowOffset + Group.IdxX;
        if (i >= tile.QueryCount) return;
        int row = tile.QueryStart + i;
        long baseIdx = (long)row * d;
        float sum = 0f;
        for (int c = 0; c < d; c++) sum += a.DO[baseIdx + c] * a.O[baseIdx + c];
        a.RowDot[row] = sum;
    }
}
