using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The flash backward kernels (FA-2 order), one source for CUDA and ILGPU's CPU accelerator: one thread owns one query row
/// (dQ) or one key row (dK, dV); tiles are staged in shared memory. The forward is <see cref="FlashForwardKernels"/>.
/// </summary>
internal static class FlashKernels
{
    /// <summary>Rows per thread group (one thread per row).</summary>
    public const int GroupRows = 64;

    /// <summary>Rows staged per shared-memory tile.</summary>
    public const int TileRows = 32;

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

    /// <summary>dQ_i += scale * sum_j dS_ij k_j, one thread per query row, key tiles in shared memory.</summary>
    public static void BackwardQuery<TDim>(KernelArgs a) where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        var ks = SharedMemory.Allocate<float>(TileRows * default(TDim).Value);
        var vs = SharedMemory.Allocate<float>(TileRows * default(TDim).Value);
        var bs = SharedMemory.Allocate<float>(TileRows);
        var qr = LocalMemory.Allocate<float>(default(TDim).Value);
        var dor = LocalMemory.Allocate<float>(default(TDim).Value);
        var dq = LocalMemory.Allocate<float>(default(TDim).Value);

        var tile = a.Tiles[Grid.IdxX];
        int tid = Group.IdxX;
        int i = tile.RowOffset + tid;
        int row = tile.QueryStart + i;
        long qBase = (long)row * d;
        bool active = i < tile.QueryCount;
        float lse = active ? a.Lse[row] : float.NegativeInfinity;
        active = active && lse != float.NegativeInfinity;
        float rowDot = active ? a.RowDot[row] : 0f;
        for (int c = 0; c < d; c++)
        {
            qr[c] = active ? a.Q[qBase + c] * a.Scale : 0f;
            dor[c] = active ? a.DO[qBase + c] : 0f;
            dq[c] = 0f;
        }

        int keyEnd = KeyEnd(tile);
        for (int kt = 0; kt < keyEnd; kt += TileRows)
        {
            Group.Barrier();
            StageKeyTile(a.K, a.V, a.Bias, a.HasBias, ks, vs, bs, tile, kt, d, tid);
            Group.Barrier();
            if (!active) continue;
            for (int j = 0; j < TileRows; j++)
            {
                float b = bs[j];
                if (b == float.NegativeInfinity || (tile.Causal != 0 && kt + j > i)) continue;
                float s = b;
                float dp = 0f;
                for (int c = 0; c < d; c++)
                {
                    s += qr[c] * ks[j * d + c];
                    dp += dor[c] * vs[j * d + c];
                }
                float p = XMath.Exp(s - lse);
                float ds = p * (dp - rowDot);
                for (int c = 0; c < d; c++) dq[c] += ds * ks[j * d + c];
            }
        }
        if (!active) return;
        for (int c = 0; c < d; c++) Atomic.Add(ref a.DQ[qBase + c], dq[c] * a.Scale);
    }

    /// <summary>dK_j, dV_j for one key row per thread; query tiles (Q, dO, lse, D) staged in shared memory.</summary>
    public static void BackwardKey<TDim>(KernelArgs a) where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        var qs = SharedMemory.Allocate<float>(TileRows * default(TDim).Value);
        var dos = SharedMemory.Allocate<float>(TileRows * default(TDim).Value);
        var ls = SharedMemory.Allocate<float>(TileRows);
        var ds = SharedMemory.Allocate<float>(TileRows);
        var kr = LocalMemory.Allocate<float>(default(TDim).Value);
        var vr = LocalMemory.Allocate<float>(default(TDim).Value);
        var dk = LocalMemory.Allocate<float>(default(TDim).Value);
        var dv = LocalMemory.Allocate<float>(default(TDim).Value);

        var tile = a.Tiles[Grid.IdxX];
        int tid = Group.IdxX;
        int j = tile.RowOffset + tid;
        int keyRow = tile.KeyStart + j;
        long kBase = (long)keyRow * d;
        bool active = j < tile.KeyCount;
        float bias = active ? (a.HasBias != 0 ? a.Bias[keyRow] : 0f) : float.NegativeInfinity;
        active = active && bias != float.NegativeInfinity;
        for (int c = 0; c < d; c++)
        {
            kr[c] = active ? a.K[kBase + c] * a.Scale : 0f;
            vr[c] = active ? a.V[kBase + c] : 0f;
            dk[c] = 0f;
            dv[c] = 0f;
        }

        // Causal: queries i < (first key of this tile) see none of its keys, so start at that query.
        int qStart = tile.Causal != 0 ? tile.RowOffset : 0;
        for (int qt = qStart; qt < tile.QueryCount; qt += TileRows)
        {
            Group.Barrier();
            for (int idx = tid; idx < TileRows * d; idx += GroupRows)
            {
                int r = idx / d;
                int c = idx - r * d;
                int qi = qt + r;
                bool valid = qi < tile.QueryCount;
                long src = (long)(tile.QueryStart + qi) * d + c;
                qs[idx] = valid ? a.Q[src] : 0f;
                dos[idx] = valid ? a.DO[src] : 0f;
            }
            for (int r = tid; r < TileRows; r += GroupRows)
            {
                int qi = qt + r;
                bool valid = qi < tile.QueryCount;
                ls[r] = valid ? a.Lse[tile.QueryStart + qi] : float.NegativeInfinity;
                ds[r] = valid ? a.RowDot[tile.QueryStart + qi] : 0f;
            }
            Group.Barrier();
            if (!active) continue;
            for (int r = 0; r < TileRows; r++)
            {
                float lse = ls[r];
                if (lse == float.NegativeInfinity || (tile.Causal != 0 && j > qt + r)) continue;
                float s = bias;
                float dp = 0f;
                for (int c = 0; c < d; c++)
                {
                    s += kr[c] * qs[r * d + c];
                    dp += vr[c] * dos[r * d + c];
                }
                float p = XMath.Exp(s - lse);
                float dsv = p * (dp - ds[r]);
                for (int c = 0; c < d; c++)
                {
                    dv[c] += p * dos[r * d + c];
                    dk[c] += dsv * qs[r * d + c];
                }
            }
        }
        if (!active) return;
        for (int c = 0; c < d; c++)
        {
            Atomic.Add(ref a.DK[kBase + c], dk[c] * a.Scale);
            Atomic.Add(ref a.DV[kBase + c], dv[c]);
        }
    }

    /// <summary>Keys a query tile must visit: all of them, or (causal) those up to its last row; the rest are skipped, not masked.</summary>
    private static int KeyEnd(AttentionTile tile)
    {
        if (tile.Causal == 0) return tile.KeyCount;
        int lastRow = XMath.Min(tile.RowOffset + GroupRows, tile.QueryCount);
        return XMath.Min(tile.KeyCount, lastRow);
    }

    private static void StageKeyTile(ArrayView<float> k, ArrayView<float> v, ArrayView<float> bias, int hasBias,
        ArrayView<float> ks, ArrayView<float> vs, ArrayView<float> bs, AttentionTile tile, int kt, int d, int tid)
    {
        for (int idx = tid; idx < TileRows * d; idx += GroupRows)
        {
            int r = idx / d;
            int c = idx - r * d;
            int key = kt + r;
            bool valid = key < tile.KeyCount;
            long src = (long)(tile.KeyStart + key) * d + c;
            ks[idx] = valid ? k[src] : 0f;
            vs[idx] = valid ? v[src] : 0f;
        }
        for (int r = tid; r < TileRows; r += GroupRows)
        {
            int key = kt + r;
            bs[r] = key >= tile.KeyCount ? float.NegativeInfinity : hasBias != 0 ? bias[tile.KeyStart + key] : 0f;
        }
    }
}
