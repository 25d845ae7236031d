using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The flash forward (FlashAttention-2 order: online softmax over key tiles) as register-tiled kernels, one source for CUDA and ILGPU's CPU accelerator.
/// A thread group owns a tile of query rows and walks the key tiles of its segment; S = Q K^T and O += P V are small GEMMs
/// out of shared memory into 4x4 register tiles (<see cref="Tile4x4"/>), fed by 16-byte shared loads. Q is staged once,
/// transposed and pre-scaled by scale·log2 e (softmax in base 2); K is staged transposed, V as it is, and the K buffer is
/// reused for P^T once the scores are done, so each specialisation fits CUDA's 48 KB of static shared memory.
/// Causal key tiles past a query tile's last row are skipped; the diagonal tile is masked per element.
/// </summary>
internal static class FlashForwardKernels
{
    public const int D64Rows = 64;
    public const int D64Keys = 64;
    public const int D64Threads = 256;
    public const int D128Rows = 32;
    public const int D128Keys = 32;
    public const int D128Threads = 128;

    private const float Log2E = 1.44269504088896341f;
    private const float Ln2 = 0.693147180559945309f;

    /// <summary>
    /// d = 64: 64 query rows against 64-key tiles, 256 threads; thread (ty, tx) = (t / 16, t % 16) owns rows 4ty..4ty+3,
    /// score columns 4tx..4tx+3 and output columns 4tx..4tx+3. A row's 16 lanes share its max by shuffles.
    /// </summary>
    public static void ForwardD64(KernelArgs a)
    {
        var qt = SharedMemory.Allocate<Float4>(64 * 16);
        var kt = SharedMemory.Allocate<Float4>(64 * 16);
        var vs = SharedMemory.Allocate<Float4>(64 * 16);
        var qtf = qt.Cast<float>();
        var ktf = kt.Cast<float>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int ty = t >> 4, tx = t & 15;
        var q4 = a.Q.Cast<Float4>();
        var k4 = a.K.Cast<Float4>();
        var v4 = a.V.Cast<Float4>();
        float qScale = a.Scale * Log2E;

        // Q tile, transposed and scaled: all four global loads first, then the stores.
        int rowBase = tile.QueryStart + tile.RowOffset;
        int rowCount = tile.QueryCount - tile.RowOffset;
        StageTransposed4(qtf, q4, rowBase, rowCount, t, qScale);

        var soft = SoftmaxRows.Start();
        var acc = default(Tile4x4);
        int keyEnd = KeyEnd(tile, D64Rows);
        for (int k0 = 0; k0 < keyEnd; k0 += D64Keys)
        {
            Group.Barrier();
            int keyBase = tile.KeyStart + k0;
            int keyCount = tile.KeyCount - k0;
            var z0 = LoadQuad(v4, keyBase, t >> 4, keyCount, 16, t & 15);
            var z1 = LoadQuad(v4, keyBase, (t >> 4) + 16, keyCount, 16, t & 15);
            var z2 = LoadQuad(v4, keyBase, (t >> 4) + 32, keyCount, 16, t & 15);
            var z3 = LoadQuad(v4, keyBase, (t >> 4) + 48, keyCount, 16, t & 15);
            var bias = LoadBias(a.Bias, keyBase, tx * 4, keyCount);
            StageTransposed4(ktf, k4, keyBase, keyCount, t, 1f);
            vs[t] = z0;
            vs[t + 256] = z1;
            vs[t + 512] = z2;
            vs[t + 768] = z3;
            Group.Barrier();

            var s = default(Tile4x4);
            for (int c = 0; c < 64; c += 4)
            {
                var qb = qt.SubView(c * 16, 64);
                var kb = kt.SubView(c * 16, 64);
                s.Fma(qb[ty], kb[tx]);
                s.Fma(qb[16 + ty], kb[16 + tx]);
                s.Fma(qb[32 + ty], kb[32 + tx]);
                s.Fma(qb[48 + ty], kb[48 + tx]);
            }
            s.AddColumns(bias);
            if (tile.Causal != 0 && k0 + 4 * tx + 3 > tile.RowOffset + 4 * ty) s.MaskAbove(tile.RowOffset + 4 * ty, k0 + 4 * tx);
            acc.ScaleRows(soft.Update(ref s, true));

            // P^T over K^T: [key][row quad], the row quad XOR-swizzled by key / 4 so that the 8 lanes of a store phase hit 8 banks.
            Group.Barrier();
            kt[(4 * tx + 0) * 16 + (ty ^ tx)] = s.Column0();
            kt[(4 * tx + 1) * 16 + (ty ^ tx)] = s.Column1();
            kt[(4 * tx + 2) * 16 + (ty ^ tx)] = s.Column2();
            kt[(4 * tx + 3) * 16 + (ty ^ tx)] = s.Column3();
            Group.Barrier();

            for (int g = 0; g < 16; g++)
            {
                var pb = kt.SubView(g * 64, 64);
                var vb = vs.SubView(g * 64, 64);
                int col = ty ^ g;
                acc.Fma(pb[col], vb[tx]);
                acc.Fma(pb[16 + col], vb[16 + tx]);
                acc.Fma(pb[32 + col], vb[32 + tx]);
                acc.Fma(pb[48 + col], vb[48 + tx]);
            }
        }

        var l = soft.TotalSums(true);
        var o4 = a.O.Cast<Float4>();
        int row0 = 4 * ty;
        WriteTile(a, o4, tile, row0, 16, tx, acc, soft.M, l, tx == 0);
    }

    /// <summary>
    /// d = 128: 32 query rows against 32-key tiles, 128 threads. Lane bit 4 (h) splits the 128-long dot products of S in
    /// two halves that are added by one shuffle, so every thread still owns a full 4x4 score tile: rows 4rg..4rg+3 and
    /// keys 4kg..4kg+3 with (rg, kg) from (warp, lane % 16). Output columns are quads h·8+kg and 16+h·8+kg (two tiles).
    /// </summary>
    public static void ForwardD128(KernelArgs a)
    {
        var qt = SharedMemory.Allocate<Float4>(128 * 8);
        var kt = SharedMemory.Allocate<Float4>(128 * 8);
        var vs = SharedMemory.Allocate<Float4>(32 * 32);
        var qtf = qt.Cast<float>();
        var ktf = kt.Cast<float>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int lane = t & 31;
        int h = lane >> 4;
        int idx = ((t >> 5) << 4) | (lane & 15);
        int rg = idx >> 3, kg = idx & 7;
        int oq = h * 8 + kg;
        var q4 = a.Q.Cast<Float4>();
        var k4 = a.K.Cast<Float4>();
        var v4 = a.V.Cast<Float4>();
        float qScale = a.Scale * Log2E;

        int rowBase = tile.QueryStart + tile.RowOffset;
        int rowCount = tile.QueryCount - tile.RowOffset;
        int sr = t >> 5, sq = t & 31;
        StageTransposed8(qtf, q4, rowBase, rowCount, sr, sq, qScale);

        var soft = SoftmaxRows.Start();
        var acc0 = default(Tile4x4);
        var acc1 = default(Tile4x4);
        int keyEnd = KeyEnd(tile, D128Rows);
        for (int k0 = 0; k0 < keyEnd; k0 += D128Keys)
        {
            Group.Barrier();
            int keyBase = tile.KeyStart + k0;
            int keyCount = tile.KeyCount - k0;
            var bias = LoadBias(a.Bias, keyBase, kg * 4, keyCount);
            StageTransposed8(ktf, k4, keyBase, keyCount, sr, sq, 1f);
            var z0 = LoadQuad(v4, keyBase, sr, keyCount, 32, sq);
            var z1 = LoadQuad(v4, keyBase, sr + 4, keyCount, 32, sq);
            var z2 = LoadQuad(v4, keyBase, sr + 8, keyCount, 32, sq);
            var z3 = LoadQuad(v4, keyBase, sr + 12, keyCount, 32, sq);
            var z4 = LoadQuad(v4, keyBase, sr + 16, keyCount, 32, sq);
            var z5 = LoadQuad(v4, keyBase, sr + 20, keyCount, 32, sq);
            var z6 = LoadQuad(v4, keyBase, sr + 24, keyCount, 32, sq);
            var z7 = LoadQuad(v4, keyBase, sr + 28, keyCount, 32, sq);
            vs[t] = z0;
            vs[t + 128] = z1;
            vs[t + 256] = z2;
            vs[t + 384] = z3;
            vs[t + 512] = z4;
            vs[t + 640] = z5;
            vs[t + 768] = z6;
            vs[t + 896] = z7;
            Group.Barrier();

            var s = default(Tile4x4);
            for (int c = 0; c < 64; c += 4)
            {
                var qb = qt.SubView((h * 64 + c) * 8, 32);
                var kb = kt.SubView((h * 64 + c) * 8, 32);
                s.Fma(qb[rg], kb[kg]);
                s.Fma(qb[8 + rg], kb[8 + kg]);
                s.Fma(qb[16 + rg], kb[16 + kg]);
                s.Fma(qb[24 + rg], kb[24 + kg]);
            }
            s.AddFromLane(16);
            s.AddColumns(bias);
            if (tile.Causal != 0 && k0 + 4 * kg + 3 > tile.RowOffset + 4 * rg) s.MaskAbove(tile.RowOffset + 4 * rg, k0 + 4 * kg);
            var alpha = soft.Update(ref s, false);
            acc0.ScaleRows(alpha);
            acc1.ScaleRows(alpha);

            // P^T over K^T: [key][row quad ^ key / 4]; the two lanes holding the same P tile write two columns each.
            Group.Barrier();
            if (h == 0)
            {
                kt[(4 * kg + 0) * 8 + (rg ^ kg)] = s.Column0();
                kt[(4 * kg + 1) * 8 + (rg ^ kg)] = s.Column1();
            }
            else
            {
                kt[(4 * kg + 2) * 8 + (rg ^ kg)] = s.Column2();
                kt[(4 * kg + 3) * 8 + (rg ^ kg)] = s.Column3();
            }
            Group.Barrier();

            for (int g = 0; g < 8; g++)
            {
                var pb = kt.SubView(g * 32, 32);
                var vb = vs.SubView(g * 128, 128);
                int col = rg ^ g;
                var p0 = pb[col];
                acc0.Fma(p0, vb[oq]);
                acc1.Fma(p0, vb[16 + oq]);
                var p1 = pb[8 + col];
                acc0.Fma(p1, vb[32 + oq]);
                acc1.Fma(p1, vb[48 + oq]);
                var p2 = pb[16 + col];
                acc0.Fma(p2, vb[64 + oq]);
                acc1.Fma(p2, vb[80 + oq]);
                var p3 = pb[24 + col];
                acc0.Fma(p3, vb[96 + oq]);
                acc1.Fma(p3, vb[112 + oq]);
            }
        }

        var l = soft.TotalSums(false);
        var o4 = a.O.Cast<Float4>();
        int row0 = 4 * rg;
        bool writesLse = (lane & 23) == 0; // h == 0 and kg == 0
        WriteTile(a, o4, tile, row0, 32, oq, acc0, soft.M, l, writesLse);
        WriteTile(a, o4, tile, row0, 32, 16 + oq, acc1, soft.M, l, false);
    }

    /// <summary>Keys a query tile must visit: all of them, or (causal) those up to its last row; the rest are skipped, not masked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int KeyEnd(AttentionTile tile, int rows)
    {
        if (tile.Causal == 0) return tile.KeyCount;
        int lastRow = XMath.Min(tile.RowOffset + rows, tile.QueryCount);
        return XMath.Min(tile.KeyCount, lastRow);
    }

    /// <summary>
    /// Quad <paramref name="quad"/> of row <paramref name="row"/> (rows counted from <paramref name="rowBase"/>), or zeros past
    /// <paramref name="count"/>. The load always reads a valid row (clamped), so no guard can be hoisted into a fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Float4 LoadQuad(ArrayView<Float4> src, int rowBase, int row, int count, int quadsPerRow, int quad)
    {
        int r = XMath.Min(row, count - 1);
        var x = src[(long)(rowBase + r) * quadsPerRow + quad];
        return row < count ? x : default;
    }

    /// <summary>Scores are in base 2: the bias of keys first..first+3 times log2 e, and -inf for keys past the tile's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Float4 LoadBias(ArrayView<float> bias, int keyBase, int first, int count)
    {
        int last = count - 1;
        float b0 = bias[keyBase + XMath.Min(first + 0, last)] * Log2E;
        float b1 = bias[keyBase + XMath.Min(first + 1, last)] * Log2E;
        float b2 = bias[keyBase + XMath.Min(first + 2, last)] * Log2E;
        float b3 = bias[keyBase + XMath.Min(first + 3, last)] * Log2E;
        float n = float.NegativeInfinity;
        return new Float4(first + 0 < count ? b0 : n, first + 1 < count ? b1 : n, first + 2 < count ? b2 : n, first + 3 < count ? b3 : n);
    }

    /// <summary>Writes the four elements of quad <paramref name="quad"/> of row <paramref name="row"/> into column-major (transposed) shared memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreTransposed(ArrayView<float> dst, int rows, int quad, int row, Float4 x)
    {
        dst[(quad * 4 + 0) * rows + row] = x.X;
        dst[(quad * 4 + 1) * rows + row] = x.Y;
        dst[(quad * 4 + 2) * rows + row] = x.Z;
        dst[(quad * 4 + 3) * rows + row] = x.W;
    }

    /// <summary>A 64-row, d = 64 tile staged transposed by 256 threads: four 16-byte loads each, issued before the stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageTransposed4(ArrayView<float> dst, ArrayView<Float4> src, int rowBase, int count, int t, float scale)
    {
        int r = t >> 4, q = t & 15;
        var x0 = LoadQuad(src, rowBase, r, count, 16, q);
        var x1 = LoadQuad(src, rowBase, r + 16, count, 16, q);
        var x2 = LoadQuad(src, rowBase, r + 32, count, 16, q);
        var x3 = LoadQuad(src, rowBase, r + 48, count, 16, q);
        StoreTransposed(dst, 64, q, r, x0.Times(scale));
        StoreTransposed(dst, 64, q, r + 16, x1.Times(scale));
        StoreTransposed(dst, 64, q, r + 32, x2.Times(scale));
        StoreTransposed(dst, 64, q, r + 48, x3.Times(scale));
    }

    /// <summary>A 32-row, d = 128 tile staged transposed by 128 threads: eight 16-byte loads each, issued before the stores.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageTransposed8(ArrayView<float> dst, ArrayView<Float4> src, int rowBase, int count, int sr, int sq, float scale)
    {
        var x0 = LoadQuad(src, rowBase, sr, count, 32, sq);
        var x1 = LoadQuad(src, rowBase, sr + 4, count, 32, sq);
        var x2 = LoadQuad(src, rowBase, sr + 8, count, 32, sq);
        var x3 = LoadQuad(src, rowBase, sr + 12, count, 32, sq);
        var x4 = LoadQuad(src, rowBase, sr + 16, count, 32, sq);
        var x5 = LoadQuad(src, rowBase, sr + 20, count, 32, sq);
        var x6 = LoadQuad(src, rowBase, sr + 24, count, 32, sq);
        var x7 = LoadQuad(src, rowBase, sr + 28, count, 32, sq);
        StoreTransposed(dst, 32, sq, sr, x0.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 4, x1.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 8, x2.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 12, x3.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 16, x4.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 20, x5.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 24, x6.Times(scale));
        StoreTransposed(dst, 32, sq, sr + 28, x7.Times(scale));
    }

    /// <summary>Rows row0..row0+3 of an output tile (one quad each) through <see cref="WriteRow"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteTile(KernelArgs a, ArrayView<Float4> o4, AttentionTile tile, int row0, int quadsPerRow, int quad, in Tile4x4 acc,
        Float4 m, Float4 l, bool writeLse)
    {
        WriteRow(a, o4, tile, row0 + 0, quadsPerRow, quad, acc.Row0(), m.X, l.X, writeLse);
        WriteRow(a, o4, tile, row0 + 1, quadsPerRow, quad, acc.Row1(), m.Y, l.Y, writeLse);
        WriteRow(a, o4, tile, row0 + 2, quadsPerRow, quad, acc.Row2(), m.Z, l.Z, writeLse);
        WriteRow(a, o4, tile, row0 + 3, quadsPerRow, quad, acc.Row3(), m.W, l.W, writeLse);
    }

    /// <summary>O = acc / l and lse = (m + log2 l) ln 2 for one row, or O = 0 and lse = -inf when the row saw no key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRow(KernelArgs a, ArrayView<Float4> o4, AttentionTile tile, int localRow, int quadsPerRow, int quad,
        Float4 acc, float m, float l, bool writeLse)
    {
        int i = tile.RowOffset + localRow;
        if (i >= tile.QueryCount) return;
        int row = tile.QueryStart + i;
        bool seen = l > 0f;
        float inv = seen ? 1f / l : 0f;
        o4[(long)row * quadsPerRow + quad] = acc.Times(inv);
        if (writeLse) a.Lse[row] = seen ? (m + XMath.Log2(l)) * Ln2 : float.NegativeInfinity;
    }
}
