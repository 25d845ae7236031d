using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The flash backward in FlashAttention-2 order as register-tiled kernels, one source for CUDA and ILGPU's CPU accelerator.
/// A thread group owns a tile of keys (dK and dV stay in registers) and walks the query tiles that can see it. Per query
/// tile it computes S^T = K Q^T and dP^T = V dO^T (the two halves of each warp run one product each on the same code
/// path and swap results with one shuffle per element), P = exp(S - lse) once, dS = P (dP - D), then dV += P^T dO,
/// dK += dS^T Q and dQ += dS K: five products, P never recomputed. dQ is added to global memory with atomics: a second
/// pass over query tiles would recompute S, P and dP (eight products instead of five), and the segments HyperAttention
/// plans are short, so per-row contention is low. D = rowsum(dO ∘ O) comes from <see cref="FlashKernels.RowDot"/>.
/// Every operand is kept by row in shared memory with its 16-byte quads XOR-swizzled by row / 4, so both the
/// row-times-row products (S^T, dP^T) and the row-times-column ones read conflict-free 16-byte words.
/// </summary>
internal static class FlashBackwardKernels
{
    public const int D64Keys = 32;
    public const int D64Queries = 32;
    public const int D64Threads = 128;
    public const int D128Keys = 16;
    public const int D128Queries = 16;
    public const int D128Threads = 128;

    private const float Log2E = 1.44269504088896341f;

    /// <summary>
    /// d = 64: 32 keys against 32-query tiles, 128 threads, 44 KB of shared memory (K, V, Q, dO by row; P, dS, dS^T).
    /// Products of keys by queries: lane (idx, sel) with idx = warp·16 + lane % 16 owns keys 4(idx / 8).. and queries
    /// 4(idx % 8)..; sel = lane / 16 picks S^T or dP^T. dK, dV: keys 4(t / 16).., column quad t % 16. dQ: queries 4(t / 16).., column quad t % 16.
    /// </summary>
    public static void BackwardD64(KernelArgs a)
    {
        var ks = SharedMemory.Allocate<Float4>(32 * 16);
        var vs = SharedMemory.Allocate<Float4>(32 * 16);
        var qs = SharedMemory.Allocate<Float4>(32 * 16);
        var dos = SharedMemory.Allocate<Float4>(32 * 16);
        var ps = SharedMemory.Allocate<Float4>(32 * 8);
        var dss = SharedMemory.Allocate<Float4>(32 * 8);
        var dst = SharedMemory.Allocate<Float4>(32 * 8);
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int lane = t & 31;
        bool first = lane < 16;
        int idx = ((t >> 5) << 4) | (lane & 15);
        int kg = idx >> 3, qg = idx & 7;
        int ra = t >> 4, cb = t & 15;
        var q4 = a.Q.Cast<Float4>();
        var k4 = a.K.Cast<Float4>();
        var v4 = a.V.Cast<Float4>();
        var do4 = a.DO.Cast<Float4>();

        int k0 = tile.RowOffset;
        int keyBase = tile.KeyStart + k0;
        int keyCount = tile.KeyCount - k0;
        StageRows64(ks, k4, keyBase, keyCount, t);
        StageRows64(vs, v4, keyBase, keyCount, t);
        var bias = FlashForwardKernels.LoadBias(a.Bias, keyBase, 4 * kg, keyCount);

        var dk = default(Tile4x4);
        var dv = default(Tile4x4);
        // Causal: queries before the tile's first key see none of it.
        int qStart = tile.Causal != 0 ? k0 : 0;
        for (int q0 = qStart; q0 < tile.QueryCount; q0 += D64Queries)
        {
            Group.Barrier();
            int rowBase = tile.QueryStart + q0;
            int rowCount = tile.QueryCount - q0;
            StageRows64(qs, q4, rowBase, rowCount, t);
            StageRows64(dos, do4, rowBase, rowCount, t);
            var negLse = LoadNegLse(a.Lse, rowBase, 4 * qg, rowCount);
            var rowDot = LoadRowDot(a.RowDot, rowBase, 4 * qg, rowCount);
            Group.Barrier();

            // S^T (first half-warp) or dP^T (second): the same instructions on different operands.
            var x = RowProduct(first ? ks : vs, first ? qs : dos, kg, qg, 16, 0, 16);
            var y = x.FromLane(16);
            var p = Tile4x4.Select(first, x, y);
            var ds = Tile4x4.Select(first, y, x);
            if (tile.Causal != 0 && q0 == k0) p.MaskRowsAfterColumns(4 * kg, 4 * qg);
            p.Exp2Affine(a.Scale * Log2E, bias, negLse);
            ds.SoftmaxGradient(p, rowDot);

            // P and dS by query ([query][key quad ^ query / 4]), dS^T by key; each half-warp writes its share.
            if (first)
            {
                ps[(4 * qg + 0) * 8 + (kg ^ qg)] = p.Column0();
                ps[(4 * qg + 1) * 8 + (kg ^ qg)] = p.Column1();
                ps[(4 * qg + 2) * 8 + (kg ^ qg)] = p.Column2();
                ps[(4 * qg + 3) * 8 + (kg ^ qg)] = p.Column3();
                dss[(4 * qg + 0) * 8 + (kg ^ qg)] = ds.Column0();
                dss[(4 * qg + 1) * 8 + (kg ^ qg)] = ds.Column1();
            }
            else
            {
                dss[(4 * qg + 2) * 8 + (kg ^ qg)] = ds.Column2();
                dss[(4 * qg + 3) * 8 + (kg ^ qg)] = ds.Column3();
                dst[(4 * kg + 0) * 8 + qg] = ds.Row0();
                dst[(4 * kg + 1) * 8 + qg] = ds.Row1();
                dst[(4 * kg + 2) * 8 + qg] = ds.Row2();
                dst[(4 * kg + 3) * 8 + qg] = ds.Row3();
            }
            Group.Barrier();

            // dV += P^T dO and dK += dS^T Q over the tile's 32 queries; dQ += dS K over its 32 keys, added to global memory.
            AccumulateKeyGradients(ref dk, ref dv, ps, dss, dos, qs, D64Queries, 8, 16, ra, cb);
            var dq = QueryGradient(dst, ks, D64Keys, 8, 16, ra, cb);
            AddTile(a.DQ, rowBase, 4 * ra, rowCount, 64, cb, dq, a.Scale);
        }

        AddTile(a.DK, keyBase, 4 * ra, keyCount, 64, cb, dk, a.Scale);
        AddTile(a.DV, keyBase, 4 * ra, keyCount, 64, cb, dv, 1f);
    }

    /// <summary>
    /// d = 128: 16 keys against 16-query tiles, 128 threads, 35 KB of shared memory (K, V, Q, dO by row; P, dS, dS^T).
    /// Smaller tiles than d = 64 keep dK and dV (16 registers each) plus the product tiles under 128 registers.
    /// Products of keys by queries: the warp gives the key group (keys 4w..), lane bits 0-1 the query group, bits 2-3 the
    /// quarter of the 128-long dot products (added by two shuffles), bit 4 S^T or dP^T (swapped by a shuffle).
    /// dK, dV: keys 4(t / 32).., column quad t % 32. dQ: queries 4(t / 32).., column quad t % 32.
    /// </summary>
    public static void BackwardD128(KernelArgs a)
    {
        var ks = SharedMemory.Allocate<Float4>(16 * 32);
        var vs = SharedMemory.Allocate<Float4>(16 * 32);
        var qs = SharedMemory.Allocate<Float4>(16 * 32);
        var dos = SharedMemory.Allocate<Float4>(16 * 32);
        var ps = SharedMemory.Allocate<Float4>(16 * 4);
        var dss = SharedMemory.Allocate<Float4>(16 * 4);
        var dst = SharedMemory.Allocate<Float4>(16 * 4);
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int lane = t & 31;
        bool first = lane < 16;
        int quarter = (lane >> 2) & 3;
        int kg = t >> 5, qg = lane & 3;
        int rw = t >> 5, cw = t & 31;
        var q4 = a.Q.Cast<Float4>();
        var k4 = a.K.Cast<Float4>();
        var v4 = a.V.Cast<Float4>();
        var do4 = a.DO.Cast<Float4>();

        int k0 = tile.RowOffset;
        int keyBase = tile.KeyStart + k0;
        int keyCount = tile.KeyCount - k0;
        StageRows128(ks, k4, keyBase, keyCount, t);
        StageRows128(vs, v4, keyBase, keyCount, t);
        var bias = FlashForwardKernels.LoadBias(a.Bias, keyBase, 4 * kg, keyCount);

        var dk = default(Tile4x4);
        var dv = default(Tile4x4);
        int qStart = tile.Causal != 0 ? k0 : 0;
        for (int q0 = qStart; q0 < tile.QueryCount; q0 += D128Queries)
        {
            Group.Barrier();
            int rowBase = tile.QueryStart + q0;
            int rowCount = tile.QueryCount - q0;
            StageRows128(qs, q4, rowBase, rowCount, t);
            StageRows128(dos, do4, rowBase, rowCount, t);
            var negLse = LoadNegLse(a.Lse, rowBase, 4 * qg, rowCount);
            var rowDot = LoadRowDot(a.RowDot, rowBase, 4 * qg, rowCount);
            Group.Barrier();

            var x = RowProduct(first ? ks : vs, first ? qs : dos, kg, qg, 32, quarter * 8, 8);
            x.AddFromLane(4);
            x.AddFromLane(8);
            var y = x.FromLane(16);
            var p = Tile4x4.Select(first, x, y);
            var ds = Tile4x4.Select(first, y, x);
            if (tile.Causal != 0 && q0 == k0) p.MaskRowsAfterColumns(4 * kg, 4 * qg);
            p.Exp2Affine(a.Scale * Log2E, bias, negLse);
            ds.SoftmaxGradient(p, rowDot);

            // P, dS by query ([query][key quad ^ query / 4]) and dS^T by key; the eight lanes holding a tile share the writes.
            int part = (first ? 0 : 4) + quarter;
            int sw = kg ^ qg;
            if (part == 0) ps[(4 * qg + 0) * 4 + sw] = p.Column0();
            if (part == 1) ps[(4 * qg + 1) * 4 + sw] = p.Column1();
            if (part == 2) ps[(4 * qg + 2) * 4 + sw] = p.Column2();
            if (part == 3) ps[(4 * qg + 3) * 4 + sw] = p.Column3();
            if (part == 4)
            {
                dss[(4 * qg + 0) * 4 + sw] = ds.Column0();
                dss[(4 * qg + 1) * 4 + sw] = ds.Column1();
            }
            if (part == 5)
            {
                dss[(4 * qg + 2) * 4 + sw] = ds.Column2();
                dss[(4 * qg + 3) * 4 + sw] = ds.Column3();
            }
            if (part == 6)
            {
                dst[(4 * kg + 0) * 4 + qg] = ds.Row0();
                dst[(4 * kg + 1) * 4 + qg] = ds.Row1();
            }
            if (part == 7)
            {
                dst[(4 * kg + 2) * 4 + qg] = ds.Row2();
                dst[(4 * kg + 3) * 4 + qg] = ds.Row3();
            }
            Group.Barrier();

            // dV += P^T dO and dK += dS^T Q over the tile's 16 queries; dQ += dS K over its 16 keys, added to global memory.
            AccumulateKeyGradients(ref dk, ref dv, ps, dss, dos, qs, D128Queries, 4, 32, rw, cw);
            var dq = QueryGradient(dst, ks, D128Keys, 4, 32, rw, cw);
            AddTile(a.DQ, rowBase, 4 * rw, rowCount, 128, cw, dq, a.Scale);
        }

        AddTile(a.DK, keyBase, 4 * rw, keyCount, 128, cw, dk, a.Scale);
        AddTile(a.DV, keyBase, 4 * rw, keyCount, 128, cw, dv, 1f);
    }

    /// <summary>
    /// Rows 4kg..4kg+3 of <paramref name="a"/> times rows 4qg..4qg+3 of <paramref name="b"/> (both stored by row, rows of
    /// <paramref name="rowQuads"/> quads swizzled by row / 4) over quads [c0, c0 + count): S^T = K Q^T or dP^T = V dO^T.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Tile4x4 RowProduct(ArrayView<Float4> a, ArrayView<Float4> b, int kg, int qg, int rowQuads, int c0, int count)
    {
        var x = default(Tile4x4);
        var ar = a.SubView(kg * 4 * rowQuads, 4 * rowQuads);
        var br = b.SubView(qg * 4 * rowQuads, 4 * rowQuads);
        for (int c = c0; c < c0 + count; c++)
        {
            int ca = c ^ kg, cc = c ^ qg;
            x.FmaDot(ar[ca], ar[rowQuads + ca], ar[2 * rowQuads + ca], ar[3 * rowQuads + ca],
                br[cc], br[rowQuads + cc], br[2 * rowQuads + cc], br[3 * rowQuads + cc]);
        }
        return x;
    }

    /// <summary>
    /// dV += P^T dO and dK += dS^T Q for keys 4ra.., column quad cb, over <paramref name="queries"/> query rows: P and dS by query
    /// (rows of <paramref name="keyQuads"/> quads), dO and Q by row (rows of <paramref name="rowQuads"/> quads), all swizzled by row / 4.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateKeyGradients(ref Tile4x4 dk, ref Tile4x4 dv, ArrayView<Float4> ps, ArrayView<Float4> dss,
        ArrayView<Float4> dos, ArrayView<Float4> qs, int queries, int keyQuads, int rowQuads, int ra, int cb)
    {
        for (int i = 0; i < queries; i += 4)
        {
            int g = i >> 2;
            int pa = ra ^ g, pc = cb ^ g;
            var pb = ps.SubView(i * keyQuads, 4 * keyQuads);
            var sb = dss.SubView(i * keyQuads, 4 * keyQuads);
            var ob = dos.SubView(i * rowQuads, 4 * rowQuads);
            var qb = qs.SubView(i * rowQuads, 4 * rowQuads);
            dv.Fma(pb[pa], ob[pc]);
            dk.Fma(sb[pa], qb[pc]);
            dv.Fma(pb[keyQuads + pa], ob[rowQuads + pc]);
            dk.Fma(sb[keyQuads + pa], qb[rowQuads + pc]);
            dv.Fma(pb[2 * keyQuads + pa], ob[2 * rowQuads + pc]);
            dk.Fma(sb[2 * keyQuads + pa], qb[2 * rowQuads + pc]);
            dv.Fma(pb[3 * keyQuads + pa], ob[3 * rowQuads + pc]);
            dk.Fma(sb[3 * keyQuads + pa], qb[3 * rowQuads + pc]);
        }
    }

    /// <summary>dS K for queries 4ra.., column quad cb, over <paramref name="keys"/> keys: dS^T by key (rows of <paramref name="queryQuads"/> quads), K by row (swizzled).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Tile4x4 QueryGradient(ArrayView<Float4> dst, ArrayView<Float4> ks, int keys, int queryQuads, int rowQuads, int ra, int cb)
    {
        var dq = default(Tile4x4);
        for (int j = 0; j < keys; j += 4)
        {
            int kc = cb ^ (j >> 2);
            var tb = dst.SubView(j * queryQuads, 4 * queryQuads);
            var kb = ks.SubView(j * rowQuads, 4 * rowQuads);
            dq.Fma(tb[ra], kb[kc]);
            dq.Fma(tb[queryQuads + ra], kb[rowQuads + kc]);
            dq.Fma(tb[2 * queryQuads + ra], kb[2 * rowQuads + kc]);
            dq.Fma(tb[3 * queryQuads + ra], kb[3 * rowQuads + kc]);
        }
        return dq;
    }

    /// <summary>
    /// 16 rows of d = 128 into shared memory by row, quad q of row r at r·32 + (q ^ r / 4); 128 threads, four 16-byte loads
    /// each, issued before the stores. Rows past <paramref name="count"/> are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRows128(ArrayView<Float4> dst, ArrayView<Float4> src, int rowBase, int count, int t)
    {
        int r = t >> 5, q = t & 31;
        var x0 = FlashForwardKernels.LoadQuad(src, rowBase, r, count, 32, q);
        var x1 = FlashForwardKernels.LoadQuad(src, rowBase, r + 4, count, 32, q);
        var x2 = FlashForwardKernels.LoadQuad(src, rowBase, r + 8, count, 32, q);
        var x3 = FlashForwardKernels.LoadQuad(src, rowBase, r + 12, count, 32, q);
        dst[r * 32 + (q ^ (r >> 2))] = x0;
        dst[(r + 4) * 32 + (q ^ ((r + 4) >> 2))] = x1;
        dst[(r + 8) * 32 + (q ^ ((r + 8) >> 2))] = x2;
        dst[(r + 12) * 32 + (q ^ ((r + 12) >> 2))] = x3;
    }

    /// <summary>
    /// 32 rows of d = 64 into shared memory by row, quad q of row r at r·16 + (q ^ r / 4); 128 threads, four 16-byte loads
    /// each, issued before the stores. Rows past <paramref name="count"/> are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRows64(ArrayView<Float4> dst, ArrayView<Float4> src, int rowBase, int count, int t)
    {
        int r = t >> 4, q = t & 15;
        var x0 = FlashForwardKernels.LoadQuad(src, rowBase, r, count, 16, q);
        var x1 = FlashForwardKernels.LoadQuad(src, rowBase, r + 8, count, 16, q);
        var x2 = FlashForwardKernels.LoadQuad(src, rowBase, r + 16, count, 16, q);
        var x3 = FlashForwardKernels.LoadQuad(src, rowBase, r + 24, count, 16, q);
        dst[r * 16 + (q ^ (r >> 2))] = x0;
        dst[(r + 8) * 16 + (q ^ ((r + 8) >> 2))] = x1;
        dst[(r + 16) * 16 + (q ^ ((r + 16) >> 2))] = x2;
        dst[(r + 24) * 16 + (q ^ ((r + 24) >> 2))] = x3;
    }

    /// <summary>-lse·log2 e of queries first..first+3, and -inf for rows that saw no key or lie past the tile's end (their P is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 LoadNegLse(ArrayView<float> lse, int rowBase, int first, int count) => new(
        NegLse(lse, rowBase, first + 0, count), NegLse(lse, rowBase, first + 1, count),
        NegLse(lse, rowBase, first + 2, count), NegLse(lse, rowBase, first + 3, count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NegLse(ArrayView<float> lse, int rowBase, int row, int count)
    {
        float l = lse[rowBase + XMath.Min(row, count - 1)];
        return row < count && l != float.NegativeInfinity ? -l * Log2E : float.NegativeInfinity;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 LoadRowDot(ArrayView<float> rowDot, int rowBase, int first, int count)
    {
        int last = count - 1;
        return new Float4(
            rowDot[rowBase + XMath.Min(first + 0, last)], rowDot[rowBase + XMath.Min(first + 1, last)],
            rowDot[rowBase + XMath.Min(first + 2, last)], rowDot[rowBase + XMath.Min(first + 3, last)]);
    }

    /// <summary>Rows row0..row0+3 of a tile (one quad each) added to dst as <see cref="AddRow"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddTile(ArrayView<float> dst, int rowBase, int row0, int count, int d, int quad, in Tile4x4 x, float f)
    {
        AddRow(dst, rowBase, row0 + 0, count, d, quad, x.Row0(), f);
        AddRow(dst, rowBase, row0 + 1, count, d, quad, x.Row1(), f);
        AddRow(dst, rowBase, row0 + 2, count, d, quad, x.Row2(), f);
        AddRow(dst, rowBase, row0 + 3, count, d, quad, x.Row3(), f);
    }

    /// <summary>dst row (rowBase + row), columns 4·quad..4·quad+3 += f·x with atomics (other groups add to the same rows); nothing past count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ArrayView<float> dst, int rowBase, int row, int count, int d, int quad, Float4 x, float f)
    {
        if (row >= count) return;
        long i = (long)(rowBase + row) * d + 4 * quad;
        Atomic.Add(ref dst[i + 0], x.X * f);
        Atomic.Add(ref dst[i + 1], x.Y * f);
        Atomic.Add(ref dst[i + 2], x.Z * f);
        Atomic.Add(ref dst[i + 3], x.W * f);
    }
}
