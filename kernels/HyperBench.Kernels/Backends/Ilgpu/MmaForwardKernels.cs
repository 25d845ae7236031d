using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The flash forward on tensor cores (FlashAttention-2 order), one source for CUDA (inline PTX mma.sync) and ILGPU's CPU
/// accelerator (which emulates each mma from the same registers, <see cref="MmaSync"/>). A group of four warps owns 64 query
/// rows, 16 per warp, and walks the segment's keys in tiles of 32. Per tile each warp computes its 16 x 32 scores S = Q K^T
/// as four 16x8 accumulators, runs the online softmax on them in registers (<see cref="MmaRows"/>), and adds P V into its
/// 16 x d output accumulator (<see cref="FragC8"/>), P taken straight from the score registers: the accumulator layout of
/// two adjacent 16x8 tiles is the A-operand layout of one k = 16 step (FlashAttention-2's trick), so P never goes to
/// shared memory. Q and K are staged by row, V transposed (V^T by dimension, pairs of keys per word), all XOR-swizzled so
/// that every fragment load of a warp hits 32 distinct banks. Semantics as <see cref="FlashForwardKernels"/>: per-key bias,
/// -inf keys, causal tiles skipped past the diagonal, and a row that sees no key gets O = 0 and lse = -inf.
/// Precision choices: docs/gpu-kernels.md, "Tensor-core kernels".
/// </summary>
internal static class MmaForwardKernels
{
    /// <summary>Query rows per group (four warps of 16).</summary>
    public const int Rows = 64;

    /// <summary>Keys per tile.</summary>
    public const int Keys = 32;

    public const int Threads = 128;

    private const float Log2E = 1.44269504088896341f;
    private const float Ln2 = 0.693147180559945309f;

    /// <summary>
    /// bf16 or fp16 (<typeparamref name="TMma"/>): Q, K, V hold 16-bit values (two per 32-bit word; row-major [rows, d]);
    /// O and lse are fp32. mma.m16n8k16 with fp32 accumulate; P is rounded to the input format for P V.
    /// Shared memory: Q 64 x d, K 32 x d, V^T d x 32, 16-bit: 16 KB (d 64), 32 KB (d 128).
    /// </summary>
    public static void Forward16<TMma, TDim>(KernelArgs a) where TMma : struct, IMma16 where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        // Words (two values) per row of Q and K, and 16-byte quads per row.
        int wpr = d / 2, qpr = d / 8;
        var qs = SharedMemory.Allocate<Word4>(Rows * default(TDim).Value / 8);
        var ks = SharedMemory.Allocate<Word4>(Keys * default(TDim).Value / 8);
        var vt = SharedMemory.Allocate<uint>(Keys / 2 * default(TDim).Value);
        var qw = qs.Cast<uint>();
        var kw = ks.Cast<uint>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int warp = t >> 5, lane = t & 31, g = lane >> 2, tq = lane & 3;
        var q16 = a.Q.Cast<Word4>();
        var k16 = a.K.Cast<Word4>();
        var v16 = a.V.Cast<Word4>();
        float f = a.Scale * Log2E;

        int rowBase = tile.QueryStart + tile.RowOffset;
        int rowCount = tile.QueryCount - tile.RowOffset;
        StageRows16(qs, q16, rowBase, rowCount, Rows, qpr, t);

        var rows = MmaRows.Start();
        var o0 = default(FragC8);
        var o1 = default(FragC8);
        // Fragment rows of this lane: warp·16 + g and + 8 (same swizzle: (r & 7) = g); B rows: key or dimension 8n + g.
        int qTop = (warp * 16 + g) * wpr, qBottom = qTop + 8 * wpr, kRow = g * wpr;
        int swz = 4 * g, vRow = g * (Keys / 2), vSwz = 4 * ((g >> 1) & 3);
        int rowTop = tile.RowOffset + warp * 16 + g;
        int keyEnd = FlashForwardKernels.KeyEnd(tile, Rows);
        TMma mma = default;
        for (int k0 = 0; k0 < keyEnd; k0 += Keys)
        {
            Group.Barrier();
            int keyBase = tile.KeyStart + k0;
            int keyCount = tile.KeyCount - k0;
            StageRows16(ks, k16, keyBase, keyCount, Keys, qpr, t);
            StageTransposed16(vt, v16, keyBase, keyCount, qpr, t);
            var b0 = LoadBias2(a.Bias, keyBase, 2 * tq, keyCount);
            var b1 = LoadBias2(a.Bias, keyBase, 8 + 2 * tq, keyCount);
            var b2 = LoadBias2(a.Bias, keyBase, 16 + 2 * tq, keyCount);
            var b3 = LoadBias2(a.Bias, keyBase, 24 + 2 * tq, keyCount);
            Group.Barrier();

            rows.S0 = default;
            rows.S1 = default;
            rows.S2 = default;
            rows.S3 = default;
            for (int kk = 0; kk < d / 16; kk++)
            {
                int w0 = (8 * kk + tq) ^ swz, w1 = (8 * kk + 4 + tq) ^ swz;
                uint a0 = qw[qTop + w0], a1 = qw[qBottom + w0], a2 = qw[qTop + w1], a3 = qw[qBottom + w1];
                var kb = kw.SubView(kRow, Keys * wpr - kRow);
                mma.Mma(ref rows.S0, a0, a1, a2, a3, kb[w0], kb[w1]);
                mma.Mma(ref rows.S1, a0, a1, a2, a3, kb[8 * wpr + w0], kb[8 * wpr + w1]);
                mma.Mma(ref rows.S2, a0, a1, a2, a3, kb[16 * wpr + w0], kb[16 * wpr + w1]);
                mma.Mma(ref rows.S3, a0, a1, a2, a3, kb[24 * wpr + w0], kb[24 * wpr + w1]);
            }
            rows.Affine(f, b0, b1, b2, b3);
            if (tile.Causal != 0 && k0 + Keys - 1 > tile.RowOffset + warp * 16) rows.MaskCausal(rowTop, k0 + 2 * tq);
            rows.Update(out float alphaTop, out float alphaBottom);
            o0.ScaleRows(alphaTop, alphaBottom);
            if (d == 128) o1.ScaleRows(alphaTop, alphaBottom);

            // P V, k = 16 keys per step: P's A registers are two adjacent score tiles rounded to the input format.
            uint p0 = mma.Pack(rows.S0.C0, rows.S0.C1), p1 = mma.Pack(rows.S0.C2, rows.S0.C3);
            uint p2 = mma.Pack(rows.S1.C0, rows.S1.C1), p3 = mma.Pack(rows.S1.C2, rows.S1.C3);
            var vLow = vt.SubView(vRow, 64 * (Keys / 2) - vRow);
            Pv16(mma, ref o0, p0, p1, p2, p3, vLow, tq ^ vSwz, (4 + tq) ^ vSwz);
            if (d == 128) Pv16(mma, ref o1, p0, p1, p2, p3, vt.SubView(64 * (Keys / 2) + vRow, 64 * (Keys / 2) - vRow), tq ^ vSwz, (4 + tq) ^ vSwz);
            p0 = mma.Pack(rows.S2.C0, rows.S2.C1); p1 = mma.Pack(rows.S2.C2, rows.S2.C3);
            p2 = mma.Pack(rows.S3.C0, rows.S3.C1); p3 = mma.Pack(rows.S3.C2, rows.S3.C3);
            Pv16(mma, ref o0, p0, p1, p2, p3, vLow, (8 + tq) ^ vSwz, (12 + tq) ^ vSwz);
            if (d == 128) Pv16(mma, ref o1, p0, p1, p2, p3, vt.SubView(64 * (Keys / 2) + vRow, 64 * (Keys / 2) - vRow), (8 + tq) ^ vSwz, (12 + tq) ^ vSwz);
        }

        rows.Totals(out float lTop, out float lBottom);
        WriteRows(a, tile, rowTop, d, 0, o0, rows, lTop, lBottom, tq);
        if (d == 128) WriteRows(a, tile, rowTop, d, 64, o1, rows, lTop, lBottom, tq);
    }

    /// <summary>
    /// 3xTF32: Q, K, V, O and lse are fp32; every product of S = Q K^T and of P V is big·big + big·small + small·big of tf32
    /// halves (m16n8k8), fp32 accumulate, so the result is close to fp32 (torch's fp32 SDPA does the same through CUTLASS).
    /// Shared memory: Q 64 x d (16 or 32 KB) and 16 KB for K and V^T; at d = 128 K and V^T take turns in the same 16 KB
    /// (48 KB in all), so V is staged after the scores instead of with K.
    /// </summary>
    public static void ForwardTf32x3<TDim>(KernelArgs a) where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        // Pairs (two floats) per row, 16-byte quads per row.
        int ppr = d / 2, qpr = d / 4;
        var qs = SharedMemory.Allocate<Float4>(Rows * default(TDim).Value / 4);
        var kv = SharedMemory.Allocate<Float4>(1024);
        var q2 = qs.Cast<Float2>();
        var kv2 = kv.Cast<Float2>();
        bool shareKv = d == 128;
        int vtOffset = shareKv ? 0 : Keys * (64 / 2);
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int warp = t >> 5, lane = t & 31, g = lane >> 2, tq = lane & 3;
        var q4 = a.Q.Cast<Float4>();
        var k4 = a.K.Cast<Float4>();
        var v4 = a.V.Cast<Float4>();
        float f = a.Scale * Log2E;

        int rowBase = tile.QueryStart + tile.RowOffset;
        int rowCount = tile.QueryCount - tile.RowOffset;
        StageRows32(qs, q4, rowBase, rowCount, Rows, qpr, t);

        var rows = MmaRows.Start();
        var o0 = default(FragC8);
        var o1 = default(FragC8);
        // Rows g and g+8 share the swizzle 4(r & 3) = 4(g & 3); so do key rows 8n + g and V^T rows 8c + g.
        int qTop = (warp * 16 + g) * ppr, qBottom = qTop + 8 * ppr, kRow = g * ppr;
        int swz = 4 * (g & 3), vRow = vtOffset + g * (Keys / 2);
        int rowTop = tile.RowOffset + warp * 16 + g;
        int keyEnd = FlashForwardKernels.KeyEnd(tile, Rows);
        for (int k0 = 0; k0 < keyEnd; k0 += Keys)
        {
            Group.Barrier();
            int keyBase = tile.KeyStart + k0;
            int keyCount = tile.KeyCount - k0;
            StageRows32(kv, k4, keyBase, keyCount, Keys, qpr, t);
            if (!shareKv) StageTransposed32(kv2, vtOffset, v4, keyBase, keyCount, qpr, t);
            var b0 = LoadBias2(a.Bias, keyBase, 2 * tq, keyCount);
            var b1 = LoadBias2(a.Bias, keyBase, 8 + 2 * tq, keyCount);
            var b2 = LoadBias2(a.Bias, keyBase, 16 + 2 * tq, keyCount);
            var b3 = LoadBias2(a.Bias, keyBase, 24 + 2 * tq, keyCount);
            Group.Barrier();

            rows.S0 = default;
            rows.S1 = default;
            rows.S2 = default;
            rows.S3 = default;
            for (int kk = 0; kk < d / 16; kk++)
            {
                // k = 16 as two k = 8 steps (pairs 8kk + t and 8kk + 4 + t), one tf32 split of A live at a time.
                int p0 = (8 * kk + tq) ^ swz, p1 = (8 * kk + 4 + tq) ^ swz;
                var kb = kv2.SubView(kRow, Keys * ppr - kRow);
                var x = Tf32Split.From(q2[qTop + p0], q2[qBottom + p0]);
                x.Mma(ref rows.S0, kb[p0]);
                x.Mma(ref rows.S1, kb[8 * ppr + p0]);
                x.Mma(ref rows.S2, kb[16 * ppr + p0]);
                x.Mma(ref rows.S3, kb[24 * ppr + p0]);
                x = Tf32Split.From(q2[qTop + p1], q2[qBottom + p1]);
                x.Mma(ref rows.S0, kb[p1]);
                x.Mma(ref rows.S1, kb[8 * ppr + p1]);
                x.Mma(ref rows.S2, kb[16 * ppr + p1]);
                x.Mma(ref rows.S3, kb[24 * ppr + p1]);
            }
            rows.Affine(f, b0, b1, b2, b3);
            if (tile.Causal != 0 && k0 + Keys - 1 > tile.RowOffset + warp * 16) rows.MaskCausal(rowTop, k0 + 2 * tq);
            rows.Update(out float alphaTop, out float alphaBottom);
            o0.ScaleRows(alphaTop, alphaBottom);
            if (d == 128) o1.ScaleRows(alphaTop, alphaBottom);
            if (shareKv)
            {
                Group.Barrier();
                StageTransposed32(kv2, vtOffset, v4, keyBase, keyCount, qpr, t);
                Group.Barrier();
            }

            // P V in fp32 halves as well, k = 8 keys per step: P's A operand is one score tile as it is.
            var vLow = kv2.SubView(vRow, 64 * (Keys / 2) - g * (Keys / 2));
            var vHigh = kv2.SubView(vRow + (d == 128 ? 64 * (Keys / 2) : 0), 64 * (Keys / 2) - g * (Keys / 2));
            var p = Tf32Split.From(rows.S0);
            Pv32(p, ref o0, vLow, tq ^ swz);
            if (d == 128) Pv32(p, ref o1, vHigh, tq ^ swz);
            p = Tf32Split.From(rows.S1);
            Pv32(p, ref o0, vLow, (4 + tq) ^ swz);
            if (d == 128) Pv32(p, ref o1, vHigh, (4 + tq) ^ swz);
            p = Tf32Split.From(rows.S2);
            Pv32(p, ref o0, vLow, (8 + tq) ^ swz);
            if (d == 128) Pv32(p, ref o1, vHigh, (8 + tq) ^ swz);
            p = Tf32Split.From(rows.S3);
            Pv32(p, ref o0, vLow, (12 + tq) ^ swz);
            if (d == 128) Pv32(p, ref o1, vHigh, (12 + tq) ^ swz);
        }

        rows.Totals(out float lTop, out float lBottom);
        WriteRows(a, tile, rowTop, d, 0, o0, rows, lTop, lBottom, tq);
        if (d == 128) WriteRows(a, tile, rowTop, d, 64, o1, rows, lTop, lBottom, tq);
    }

    /// <summary>As <see cref="Pv16"/>, 3xTF32, one k = 8 step: V^T rows of 16 pairs, <paramref name="pair"/> this lane's pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pv32(in Tf32Split p, ref FragC8 o, ArrayView<Float2> vt, int pair)
    {
        p.Mma(ref o.T0, vt[pair]);
        p.Mma(ref o.T1, vt[128 + pair]);
        p.Mma(ref o.T2, vt[256 + pair]);
        p.Mma(ref o.T3, vt[384 + pair]);
        p.Mma(ref o.T4, vt[512 + pair]);
        p.Mma(ref o.T5, vt[640 + pair]);
        p.Mma(ref o.T6, vt[768 + pair]);
        p.Mma(ref o.T7, vt[896 + pair]);
    }

    /// <summary>fp32 rows by row, 16 bytes at a time, quad h of row r at h ^ 2(r &amp; 3) (pairs XOR 4(r &amp; 3)): a fragment load's 8-byte pairs of rows g, g+8 then spread over all banks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRows32(ArrayView<Float4> dst, ArrayView<Float4> src, int rowBase, int count, int rows, int qpr, int t)
    {
        int shift = qpr == 16 ? 4 : 5;
        for (int i = t; i < rows * qpr; i += Threads)
        {
            int r = i >> shift, h = i & (qpr - 1);
            dst[r * qpr + (h ^ (2 * (r & 3)))] = FlashForwardKernels.LoadQuad(src, rowBase, r, count, qpr, h);
        }
    }

    /// <summary>V transposed, fp32: pair j of dimension row c holds keys 2j and 2j + 1, at j ^ 4(c &amp; 3) (rows of 16 pairs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageTransposed32(ArrayView<Float2> vt, int offset, ArrayView<Float4> src, int keyBase, int count, int qpr, int t)
    {
        for (int i = t; i < Keys / 2 * qpr; i += Threads)
        {
            int j = i & 15, c = 4 * (i >> 4);
            var lo = FlashForwardKernels.LoadQuad(src, keyBase, 2 * j, count, qpr, i >> 4);
            var hi = FlashForwardKernels.LoadQuad(src, keyBase, 2 * j + 1, count, qpr, i >> 4);
            vt[offset + (c + 0) * (Keys / 2) + j] = new Float2(lo.X, hi.X);
            vt[offset + (c + 1) * (Keys / 2) + (j ^ 4)] = new Float2(lo.Y, hi.Y);
            vt[offset + (c + 2) * (Keys / 2) + (j ^ 8)] = new Float2(lo.Z, hi.Z);
            vt[offset + (c + 3) * (Keys / 2) + (j ^ 12)] = new Float2(lo.W, hi.W);
        }
    }

    /// <summary>o (eight 16x8 tiles, columns 8c + ..) += P V_c; <paramref name="vt"/> starts at this lane's V^T row (dimension g), w0 and w1 are its b0 and b1 words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pv16<TMma>(TMma mma, ref FragC8 o, uint p0, uint p1, uint p2, uint p3, ArrayView<uint> vt, int w0, int w1) where TMma : struct, IMma16
    {
        // One 16x8 output tile is 8 dimensions of V^T, 8 x 16 words.
        mma.Mma(ref o.T0, p0, p1, p2, p3, vt[w0], vt[w1]);
        mma.Mma(ref o.T1, p0, p1, p2, p3, vt[128 + w0], vt[128 + w1]);
        mma.Mma(ref o.T2, p0, p1, p2, p3, vt[256 + w0], vt[256 + w1]);
        mma.Mma(ref o.T3, p0, p1, p2, p3, vt[384 + w0], vt[384 + w1]);
        mma.Mma(ref o.T4, p0, p1, p2, p3, vt[512 + w0], vt[512 + w1]);
        mma.Mma(ref o.T5, p0, p1, p2, p3, vt[640 + w0], vt[640 + w1]);
        mma.Mma(ref o.T6, p0, p1, p2, p3, vt[768 + w0], vt[768 + w1]);
        mma.Mma(ref o.T7, p0, p1, p2, p3, vt[896 + w0], vt[896 + w1]);
    }

    /// <summary>
    /// <paramref name="count"/> of <paramref name="rows"/> rows of 16-bit values into shared memory by row, 16 bytes at a time,
    /// quad q of row r at q ^ (r &amp; 7): a fragment load (rows g, words t and t + 4 of a k-step) then touches 32 banks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRows16(ArrayView<Word4> dst, ArrayView<Word4> src, int rowBase, int count, int rows, int qpr, int t)
    {
        int shift = qpr == 8 ? 3 : 4;
        for (int i = t; i < rows * qpr; i += Threads)
        {
            int r = i >> shift, q = i & (qpr - 1);
            dst[r * qpr + (q ^ (r & 7))] = LoadWord4(src, rowBase, r, count, qpr, q);
        }
    }

    /// <summary>
    /// V transposed: word j of dimension row c holds keys 2j (low half) and 2j + 1, at j ^ 4((c / 2) &amp; 3) (rows of 16 words:
    /// the swizzle spreads a fragment load, rows g and words t, t + 4, over 32 banks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageTransposed16(ArrayView<uint> vt, ArrayView<Word4> src, int keyBase, int count, int qpr, int t)
    {
        for (int i = t; i < Keys / 2 * qpr; i += Threads)
        {
            int j = i & 15, c = 8 * (i >> 4);
            var lo = LoadWord4(src, keyBase, 2 * j, count, qpr, i >> 4);
            var hi = LoadWord4(src, keyBase, 2 * j + 1, count, qpr, i >> 4);
            StoreKeyPairs(vt, c + 0, j, lo.X, hi.X);
            StoreKeyPairs(vt, c + 2, j, lo.Y, hi.Y);
            StoreKeyPairs(vt, c + 4, j, lo.Z, hi.Z);
            StoreKeyPairs(vt, c + 6, j, lo.W, hi.W);
        }
    }

    /// <summary>Dimensions c and c + 1 of keys 2j (in <paramref name="lo"/>) and 2j + 1 (in <paramref name="hi"/>) as two V^T words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreKeyPairs(ArrayView<uint> vt, int c, int j, uint lo, uint hi)
    {
        vt[c * (Keys / 2) + (j ^ (4 * ((c >> 1) & 3)))] = (lo & 0xFFFFu) | (hi << 16);
        vt[(c + 1) * (Keys / 2) + (j ^ (4 * ((c >> 1) & 3)))] = (lo >> 16) | (hi & 0xFFFF_0000u);
    }

    /// <summary>Quad <paramref name="quad"/> of row <paramref name="row"/>, or zeros past <paramref name="count"/> (the load itself is clamped to a valid row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Word4 LoadWord4(ArrayView<Word4> src, int rowBase, int row, int count, int quadsPerRow, int quad)
    {
        int r = XMath.Min(row, count - 1);
        var x = src[(long)(rowBase + r) * quadsPerRow + quad];
        return row < count ? x : default;
    }

    /// <summary>The bias of keys first, first + 1 times log2 e, -inf past the segment's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float2 LoadBias2(ArrayView<float> bias, int keyBase, int first, int count)
    {
        float x = bias[keyBase + XMath.Min(first, count - 1)] * Log2E;
        float y = bias[keyBase + XMath.Min(first + 1, count - 1)] * Log2E;
        float n = float.NegativeInfinity;
        return new Float2(first < count ? x : n, first + 1 < count ? y : n);
    }

    /// <summary>Rows rowTop and rowTop + 8 of the output, columns col0 + 8c + 2t, 2t + 1 (and lse from lane t = 0), or O = 0, lse = -inf for a row that saw no key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteRows(KernelArgs a, AttentionTile tile, int rowTop, int d, int col0, in FragC8 o, in MmaRows rows, float lTop, float lBottom, int tq)
    {
        var o2 = a.O.Cast<Float2>();
        float it = lTop > 0f ? 1f / lTop : 0f, ib = lBottom > 0f ? 1f / lBottom : 0f;
        if (rowTop < tile.QueryCount)
        {
            long b = (long)(tile.QueryStart + rowTop) * (d / 2) + col0 / 2 + tq;
            o2[b] = new Float2(o.T0.C0 * it, o.T0.C1 * it);
            o2[b + 4] = new Float2(o.T1.C0 * it, o.T1.C1 * it);
            o2[b + 8] = new Float2(o.T2.C0 * it, o.T2.C1 * it);
            o2[b + 12] = new Float2(o.T3.C0 * it, o.T3.C1 * it);
            o2[b + 16] = new Float2(o.T4.C0 * it, o.T4.C1 * it);
            o2[b + 20] = new Float2(o.T5.C0 * it, o.T5.C1 * it);
            o2[b + 24] = new Float2(o.T6.C0 * it, o.T6.C1 * it);
            o2[b + 28] = new Float2(o.T7.C0 * it, o.T7.C1 * it);
            if (col0 == 0 && tq == 0) a.Lse[tile.QueryStart + rowTop] = lTop > 0f ? (rows.MTop + XMath.Log2(lTop)) * Ln2 : float.NegativeInfinity;
        }
        if (rowTop + 8 < tile.QueryCount)
        {
            long b = (long)(tile.QueryStart + rowTop + 8) * (d / 2) + col0 / 2 + tq;
            o2[b] = new Float2(o.T0.C2 * ib, o.T0.C3 * ib);
            o2[b + 4] = new Float2(o.T1.C2 * ib, o.T1.C3 * ib);
            o2[b + 8] = new Float2(o.T2.C2 * ib, o.T2.C3 * ib);
            o2[b + 12] = new Float2(o.T3.C2 * ib, o.T3.C3 * ib);
            o2[b + 16] = new Float2(o.T4.C2 * ib, o.T4.C3 * ib);
            o2[b + 20] = new Float2(o.T5.C2 * ib, o.T5.C3 * ib);
            o2[b + 24] = new Float2(o.T6.C2 * ib, o.T6.C3 * ib);
            o2[b + 28] = new Float2(o.T7.C2 * ib, o.T7.C3 * ib);
            if (col0 == 0 && tq == 0) a.Lse[tile.QueryStart + rowTop + 8] = lBottom > 0f ? (rows.MBottom + XMath.Log2(lBottom)) * Ln2 : float.NegativeInfinity;
        }
    }
}
