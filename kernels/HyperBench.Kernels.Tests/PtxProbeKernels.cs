using ILGPU;

namespace HyperBench.Kernels.Tests;

/// <summary>Small kernels with known shapes, compiled through ILGPU and ptxas to test the SASS analysis on real output.</summary>
internal static class PtxProbeKernels
{
    public const int Threads = 256;

    /// <summary>Two nested loops: an outer loop over tiles (staging + barriers) and an inner FFMA loop over shared memory.</summary>
    public static void NestedLoops(ArrayView<float> a, ArrayView<float> o, int tiles)
    {
        var tile = SharedMemory.Allocate<float>(Threads);
        int t = Group.IdxX;
        float acc = 0;
        for (int j = 0; j < tiles; j++)
        {
            tile[t] = a[j * Threads + t];
            Group.Barrier();
            for (int k = 0; k < Threads; k++) acc += tile[k] * tile[(k + t) & (Threads - 1)];
            Group.Barrier();
        }
        o[Grid.GlobalIndex.X] = acc;
    }

    /// <summary>A per-thread array indexed by a loop variable: ILGPU does not unroll, so it must live in local memory.</summary>
    public static void LocalArray(Index1D i, ArrayView<float> a, int n, ArrayView<float> o)
    {
        var row = LocalMemory.Allocate<float>(32);
        for (int k = 0; k < 32; k++) row[k] = a[i * 32 + k];
        float s = 0;
        for (int k = 0; k < n; k++) s += row[k & 31] * row[(k * 7) & 31];
        o[i] = s;
    }
}
