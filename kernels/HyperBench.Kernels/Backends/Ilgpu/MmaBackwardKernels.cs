using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The flash backward on tensor cores (FlashAttention-2 order), one source for CUDA (inline PTX mma.sync) and ILGPU's CPU
/// accelerator (which emulates each mma from the same registers, <see cref="MmaSync"/>). Same semantics as
/// <see cref="FlashBackwardKernels"/>: a group of four warps owns 64 keys, 16 per warp, keeps dK and dV of its keys in
/// registers (two <see cref="FragC8"/>, 64 registers at d = 64) and walks the query tiles of 16 that can see its keys. Per query
/// tile each warp computes S^T = K Q^T and dP^T = V dO^T (16 keys x 16 queries, two 16x8 accumulators each), P^T = exp(S^T - lse)
/// and dS^T = P^T (dP^T - D) in registers, then dV += P^T dO and dK += dS^T Q with P^T and dS^T as the A operand straight from
/// the accumulators (the layout trick of the forward), and writes dS by query to shared memory; after a barrier each warp adds
/// dQ = dS K for 16 of the d columns (the group's 64 keys as k) to global memory with atomics. Five products per tile pair,
/// balanced over the warps (16-bit: 8 mma each for S^T, dP^T, dV, dK and dQ per warp and query tile).
/// K, V, Q and dO are staged by row (XOR-swizzled as in the forward); the B operands of dV, dK and dQ run along rows of dO, Q
/// and K ("column loads": two values of one column in rows 2t and 2t + 1), read element by element: transposed copies would
/// not fit the 3xTF32 kernel's 48 KB. D = rowsum(dO ∘ O) comes from <see cref="RowDot16{TMma, TDim}"/> (16-bit dO) or
/// <see cref="FlashKernels.RowDot{TDim}"/> (fp32). Precision: P^T and dS^T are rounded to the input format before their mma
/// (as FlashAttention-2 does), 3xTF32 splits every operand; accumulation is fp32. d = 128: two warps per 16 keys split the columns of dK and dV (at d = 128 they alone would take 128 registers in one warp), see <see cref="Backward16{TMma, TDim}"/>;
/// 3xTF32 at d = 128 has its own shape (32 keys per group, V read from global memory), <see cref="BackwardTf32x3D128"/>: K and V
/// of 64 keys would be 64 KB of fp32 (docs/gpu-kernels.md, "Tensor-core backward").
/// </summary>
internal static class MmaBackwardKernels
{
    /// <summary>Keys per group (16 per warp, or per pair of warps at d = 128), but for 3xTF32 at d = 128 (<see cref="KeysTf32D128"/>).</summary>
    public const int Keys = 64;

    /// <summary>Queries per tile.</summary>
    public const int Queries = 16;

    /// <summary>Threads per group at d = 64 (four warps); the 16-bit kernel at d = 128 runs eight (<see cref="ThreadsFor"/>).</summary>
    public const int Threads = 128;

    /// <summary>Keys per group of the kernel for <paramref name="precision"/> at <paramref name="headDim"/>.</summary>
    public static int KeysFor(MmaPrecision precision, int headDim) => precision == MmaPrecision.Tf32x3 && headDim == 128 ? KeysTf32D128 : Keys;

    /// <summary>Threads per group of the kernel for <paramref name="precision"/> at <paramref name="headDim"/>.</summary>
    public static int ThreadsFor(MmaPrecision precision, int headDim) => precision != MmaPrecision.Tf32x3 && headDim == 128 ? 2 * Threads : Threads;

    private const float Log2E = 1.44269504088896341f;

    /// <summary>
    /// bf16 or fp16 (<typeparamref name="TMma"/>): Q, K, V, dO hold 16-bit values (two per word, row-major [rows, d]); O, lse,
    /// bias, dQ, dK, dV are fp32. Shared memory: K, V 64 x d, Q, dO 16 x d, dS 16 x 64, all 16-bit: 22 KB at d = 64; at d = 128
    /// 4 KB more for the exchange between the two warps of a key group, 46 KB.
    /// d = 64: four warps, each owns 16 keys and all 64 columns of their dK and dV. d = 128: eight warps, warps w and w + 4 own the
    /// same 16 keys and columns 0..63 and 64..127 of their dK and dV (64 registers each, as at d = 64): warp w computes S^T, warp
    /// w + 4 dP^T (no product is computed twice), w + 4 hands dP^T to w through shared memory, w forms P^T and dS^T and hands
    /// them back packed (the form both use as A operands).
    /// </summary>
    public static void Backward16<TMma, TDim>(KernelArgs a) where TMma : struct, IMma16 where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        bool split = d == 128;
        int threads = split ? 2 * Threads : Threads;
        int wpr = d / 2, qpr = d / 8;
        var ks = SharedMemory.Allocate<Word4>(Keys * default(TDim).Value / 8);
        var vs = SharedMemory.Allocate<Word4>(Keys * default(TDim).Value / 8);
        var qs = SharedMemory.Allocate<Word4>(Queries * default(TDim).Value / 8);
        var dos = SharedMemory.Allocate<Word4>(Queries * default(TDim).Value / 8);
        var dss = SharedMemory.Allocate<Word4>(Queries * Keys / 8);
        // Four warps x 32 lanes x 8 words (d = 128 only; one word at d = 64).
        var ex = SharedMemory.Allocate<uint>(default(TDim).Value == 128 ? 1024 : 1);
        var kw = ks.Cast<uint>();
        var vw = vs.Cast<uint>();
        var qw = qs.Cast<uint>();
        var ow = dos.Cast<uint>();
        var sw = dss.Cast<uint>();
        var kh = ks.Cast<ushort>();
        var qh = qs.Cast<ushort>();
        var oh = dos.Cast<ushort>();
        var sh = dss.Cast<ushort>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int warp = t >> 5, lane = t & 31, g = lane >> 2, tq = lane & 3;
        // Key group (16 keys) and the half of d this warp's dK, dV columns cover (always 0 at d = 64).
        int kg = warp & 3, half = warp >> 2;
        int col = 64 * half;
        float f = a.Scale * Log2E;

        int k0 = tile.RowOffset;
        int keyBase = tile.KeyStart + k0;
        int keyCount = tile.KeyCount - k0;
        StageRows16(ks, a.K.Cast<Word4>(), keyBase, keyCount, Keys, qpr, t, threads);
        StageRows16(vs, a.V.Cast<Word4>(), keyBase, keyCount, Keys, qpr, t, threads);
        float biasTop = LoadBias(a.Bias, keyBase, kg * 16 + g, keyCount);
        float biasBottom = LoadBias(a.Bias, keyBase, kg * 16 + g + 8, keyCount);

        var dk = default(FragC8);
        var dv = default(FragC8);
        // A rows of S^T and dP^T: keys kg·16 + g and + 8 (swizzle (r & 7) = g); B rows: queries g and 8 + g (same swizzle).
        int kTop = (kg * 16 + g) * wpr, kBottom = kTop + 8 * wpr, qRow = g * wpr, swz = 4 * g;
        int keyTop = k0 + kg * 16 + g;
        int exAt = (kg * 32 + lane) * 8;
        // Causal: queries before the tile's first key see none of it.
        int qStart = tile.Causal != 0 ? k0 : 0;
        TMma mma = default;
        for (int q0 = qStart; q0 < tile.QueryCount; q0 += Queries)
        {
            Group.Barrier();
            int rowBase = tile.QueryStart + q0;
            int rowCount = tile.QueryCount - q0;
            StageRows16(qs, a.Q.Cast<Word4>(), rowBase, rowCount, Queries, qpr, t, threads);
            StageRows16(dos, a.DO.Cast<Word4>(), rowBase, rowCount, Queries, qpr, t, threads);
            var l0 = LoadNegLse2(a.Lse, rowBase, 2 * tq, rowCount);
            var l1 = LoadNegLse2(a.Lse, rowBase, 8 + 2 * tq, rowCount);
            var r0 = LoadRowDot2(a.RowDot, rowBase, 2 * tq, rowCount);
            var r1 = LoadRowDot2(a.RowDot, rowBase, 8 + 2 * tq, rowCount);
            bool mask = tile.Causal != 0 && k0 + kg * 16 + 15 > q0;
            Group.Barrier();

            // P^T (x) and dS^T (y) as packed A operands (16 keys x 16 queries), rounded to the input format.
            uint x0, x1, x2, x3, y0, y1, y2, y3;
            if (!split)
            {
                FragC s0 = default, s1 = default, p0 = default, p1 = default;
                for (int kk = 0; kk < d / 16; kk++)
                {
                    int w0 = (8 * kk + tq) ^ swz, w1 = (8 * kk + 4 + tq) ^ swz;
                    uint a0 = kw[kTop + w0], a1 = kw[kBottom + w0], a2 = kw[kTop + w1], a3 = kw[kBottom + w1];
                    mma.Mma(ref s0, a0, a1, a2, a3, qw[qRow + w0], qw[qRow + w1]);
                    mma.Mma(ref s1, a0, a1, a2, a3, qw[qRow + 8 * wpr + w0], qw[qRow + 8 * wpr + w1]);
                    a0 = vw[kTop + w0]; a1 = vw[kBottom + w0]; a2 = vw[kTop + w1]; a3 = vw[kBottom + w1];
                    mma.Mma(ref p0, a0, a1, a2, a3, ow[qRow + w0], ow[qRow + w1]);
                    mma.Mma(ref p1, a0, a1, a2, a3, ow[qRow + 8 * wpr + w0], ow[qRow + 8 * wpr + w1]);
                }
                SoftmaxGradient(ref s0, ref p0, f, biasTop, biasBottom, l0, r0, mask, keyTop, q0 + 2 * tq);
                SoftmaxGradient(ref s1, ref p1, f, biasTop, biasBottom, l1, r1, mask, keyTop, q0 + 8 + 2 * tq);
                x0 = mma.Pack(s0.C0, s0.C1); x1 = mma.Pack(s0.C2, s0.C3); x2 = mma.Pack(s1.C0, s1.C1); x3 = mma.Pack(s1.C2, s1.C3);
                y0 = mma.Pack(p0.C0, p0.C1); y1 = mma.Pack(p0.C2, p0.C3); y2 = mma.Pack(p1.C0, p1.C1); y3 = mma.Pack(p1.C2, p1.C3);
                StoreDs16(sh, kg * 16 + g, tq, y0, y1, y2, y3);
            }
            else
            {
                // S^T = K Q^T (first half) or dP^T = V dO^T (second half): the same instructions on different operands.
                var aw = half == 0 ? kw : vw;
                var bw = half == 0 ? qw : ow;
                FragC s0 = default, s1 = default;
                for (int kk = 0; kk < d / 16; kk++)
                {
                    int w0 = (8 * kk + tq) ^ swz, w1 = (8 * kk + 4 + tq) ^ swz;
                    uint a0 = aw[kTop + w0], a1 = aw[kBottom + w0], a2 = aw[kTop + w1], a3 = aw[kBottom + w1];
                    mma.Mma(ref s0, a0, a1, a2, a3, bw[qRow + w0], bw[qRow + w1]);
                    mma.Mma(ref s1, a0, a1, a2, a3, bw[qRow + 8 * wpr + w0], bw[qRow + 8 * wpr + w1]);
                }
                if (half != 0)
                {
                    Publish(ex, exAt, s0, s1);
                }
                Group.Barrier();
                if (half == 0)
                {
                    var p0 = Take(ex, exAt);
                    var p1 = Take(ex, exAt + 4);
                    SoftmaxGradient(ref s0, ref p0, f, biasTop, biasBottom, l0, r0, mask, keyTop, q0 + 2 * tq);
                    SoftmaxGradient(ref s1, ref p1, f, biasTop, biasBottom, l1, r1, mask, keyTop, q0 + 8 + 2 * tq);
                    x0 = mma.Pack(s0.C0, s0.C1); x1 = mma.Pack(s0.C2, s0.C3); x2 = mma.Pack(s1.C0, s1.C1); x3 = mma.Pack(s1.C2, s1.C3);
                    y0 = mma.Pack(p0.C0, p0.C1); y1 = mma.Pack(p0.C2, p0.C3); y2 = mma.Pack(p1.C0, p1.C1); y3 = mma.Pack(p1.C2, p1.C3);
                    // Each lane rewrites only the words it has just read: no other thread touches them before the next barrier.
                    ex[exAt] = x0; ex[exAt + 1] = x1; ex[exAt + 2] = x2; ex[exAt + 3] = x3;
                    ex[exAt + 4] = y0; ex[exAt + 5] = y1; ex[exAt + 6] = y2; ex[exAt + 7] = y3;
                    StoreDs16(sh, kg * 16 + g, tq, y0, y1, y2, y3);
                }
                else
                {
                    x0 = x1 = x2 = x3 = y0 = y1 = y2 = y3 = 0;
                }
            }
            Group.Barrier();
            if (split && half != 0)
            {
                x0 = ex[exAt]; x1 = ex[exAt + 1]; x2 = ex[exAt + 2]; x3 = ex[exAt + 3];
                y0 = ex[exAt + 4]; y1 = ex[exAt + 5]; y2 = ex[exAt + 6]; y3 = ex[exAt + 7];
            }

            // dV += P^T dO and dK += dS^T Q (this warp's 64 columns); dQ = dS K for columns warp·16 .. + 15 over the group's 64 keys.
            KeyGradient16(mma, ref dv, x0, x1, x2, x3, oh, d, col + g, tq);
            KeyGradient16(mma, ref dk, y0, y1, y2, y3, qh, d, col + g, tq);
            FragC dq0 = default, dq1 = default;
            int c0 = warp * 16 + g;
            for (int kk = 0; kk < Keys / 16; kk++)
            {
                int w0 = (8 * kk + tq) ^ swz, w1 = (8 * kk + 4 + tq) ^ swz;
                uint a0 = sw[g * (Keys / 2) + w0], a1 = sw[(g + 8) * (Keys / 2) + w0], a2 = sw[g * (Keys / 2) + w1], a3 = sw[(g + 8) * (Keys / 2) + w1];
                int kr = 16 * kk + 2 * tq;
                mma.Mma(ref dq0, a0, a1, a2, a3, Column16(kh, kr, c0, d), Column16(kh, kr + 8, c0, d));
                mma.Mma(ref dq1, a0, a1, a2, a3, Column16(kh, kr, c0 + 8, d), Column16(kh, kr + 8, c0 + 8, d));
            }
            AddQueryRows(a.DQ, rowBase, g, rowCount, d, warp * 16 + 2 * tq, dq0, dq1, a.Scale);
        }

        AddKeyRows(a.DK, keyBase, kg * 16 + g, keyCount, d, col + 2 * tq, dk, a.Scale);
        AddKeyRows(a.DV, keyBase, kg * 16 + g, keyCount, d, col + 2 * tq, dv, 1f);
    }

    /// <summary>dS by query for dQ: the low half of each packed dS^T register is query 2t (+ 8), the high half 2t + 1; keys key, key + 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDs16(ArrayView<ushort> sh, int key, int tq, uint y0, uint y1, uint y2, uint y3)
    {
        sh[Idx16(2 * tq, key, Keys)] = (ushort)y0;
        sh[Idx16(2 * tq + 1, key, Keys)] = (ushort)(y0 >> 16);
        sh[Idx16(2 * tq, key + 8, Keys)] = (ushort)y1;
        sh[Idx16(2 * tq + 1, key + 8, Keys)] = (ushort)(y1 >> 16);
        sh[Idx16(8 + 2 * tq, key, Keys)] = (ushort)y2;
        sh[Idx16(9 + 2 * tq, key, Keys)] = (ushort)(y2 >> 16);
        sh[Idx16(8 + 2 * tq, key + 8, Keys)] = (ushort)y3;
        sh[Idx16(9 + 2 * tq, key + 8, Keys)] = (ushort)(y3 >> 16);
    }

    /// <summary>
    /// 3xTF32: Q, K, V, dO, O, lse and the gradients are fp32; every product is big·big + big·small + small·big of tf32 halves
    /// (m16n8k8), fp32 accumulate. Shared memory: K, V 64 x d, Q, dO 16 x d, dS 16 x 64, fp32: 44 KB at d = 64.
    /// </summary>
    public static void BackwardTf32x3<TDim>(KernelArgs a) where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        int ppr = d / 2, qpr = d / 4;
        var ks = SharedMemory.Allocate<Float4>(Keys * default(TDim).Value / 4);
        var vs = SharedMemory.Allocate<Float4>(Keys * default(TDim).Value / 4);
        var qs = SharedMemory.Allocate<Float4>(Queries * default(TDim).Value / 4);
        var dos = SharedMemory.Allocate<Float4>(Queries * default(TDim).Value / 4);
        var dss = SharedMemory.Allocate<Float4>(Queries * Keys / 4);
        var k2 = ks.Cast<Float2>();
        var v2 = vs.Cast<Float2>();
        var q2 = qs.Cast<Float2>();
        var o2 = dos.Cast<Float2>();
        var s2 = dss.Cast<Float2>();
        var kf = ks.Cast<float>();
        var qf = qs.Cast<float>();
        var of = dos.Cast<float>();
        var sf = dss.Cast<float>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int warp = t >> 5, lane = t & 31, g = lane >> 2, tq = lane & 3;
        float f = a.Scale * Log2E;

        int k0 = tile.RowOffset;
        int keyBase = tile.KeyStart + k0;
        int keyCount = tile.KeyCount - k0;
        StageRows32(ks, a.K.Cast<Float4>(), keyBase, keyCount, Keys, qpr, t);
        StageRows32(vs, a.V.Cast<Float4>(), keyBase, keyCount, Keys, qpr, t);
        float biasTop = LoadBias(a.Bias, keyBase, warp * 16 + g, keyCount);
        float biasBottom = LoadBias(a.Bias, keyBase, warp * 16 + g + 8, keyCount);

        var dk = default(FragC8);
        var dv = default(FragC8);
        // Rows g and g + 8 (and 16w + g, + 8) share the fp32 swizzle 4(r & 3) = 4(g & 3) on pairs.
        int kTop = (warp * 16 + g) * ppr, kBottom = kTop + 8 * ppr, qRow = g * ppr, swz = 4 * (g & 3);
        int keyTop = k0 + warp * 16 + g;
        int qStart = tile.Causal != 0 ? k0 : 0;
        for (int q0 = qStart; q0 < tile.QueryCount; q0 += Queries)
        {
            Group.Barrier();
            int rowBase = tile.QueryStart + q0;
            int rowCount = tile.QueryCount - q0;
            StageRows32(qs, a.Q.Cast<Float4>(), rowBase, rowCount, Queries, qpr, t);
            StageRows32(dos, a.DO.Cast<Float4>(), rowBase, rowCount, Queries, qpr, t);
            var l0 = LoadNegLse2(a.Lse, rowBase, 2 * tq, rowCount);
            var l1 = LoadNegLse2(a.Lse, rowBase, 8 + 2 * tq, rowCount);
            var r0 = LoadRowDot2(a.RowDot, rowBase, 2 * tq, rowCount);
            var r1 = LoadRowDot2(a.RowDot, rowBase, 8 + 2 * tq, rowCount);
            Group.Barrier();

            FragC s0 = default, s1 = default, p0 = default, p1 = default;
            for (int kk = 0; kk < d / 8; kk++)
            {
                // One k = 8 step: pair 4kk + t of each row (columns 8kk + 2t, + 1).
                int pr = (4 * kk + tq) ^ swz;
                var x = Tf32Split.From(k2[kTop + pr], k2[kBottom + pr]);
                x.Mma(ref s0, q2[qRow + pr]);
                x.Mma(ref s1, q2[qRow + 8 * ppr + pr]);
                x = Tf32Split.From(v2[kTop + pr], v2[kBottom + pr]);
                x.Mma(ref p0, o2[qRow + pr]);
                x.Mma(ref p1, o2[qRow + 8 * ppr + pr]);
            }
            bool mask = tile.Causal != 0 && k0 + warp * 16 + 15 > q0;
            SoftmaxGradient(ref s0, ref p0, f, biasTop, biasBottom, l0, r0, mask, keyTop, q0 + 2 * tq);
            SoftmaxGradient(ref s1, ref p1, f, biasTop, biasBottom, l1, r1, mask, keyTop, q0 + 8 + 2 * tq);

            // P^T and dS^T (16 keys x 8 queries per accumulator) are the A operands of k = 8 steps as they are.
            KeyGradient32(Tf32Split.From(s0), ref dv, of, 2 * tq, d, g);
            KeyGradient32(Tf32Split.From(s1), ref dv, of, 8 + 2 * tq, d, g);
            KeyGradient32(Tf32Split.From(p0), ref dk, qf, 2 * tq, d, g);
            KeyGradient32(Tf32Split.From(p1), ref dk, qf, 8 + 2 * tq, d, g);
            StoreDs32(sf, warp * 16 + g, tq, p0, p1, Keys);
            Group.Barrier();

            FragC dq0 = default, dq1 = default;
            int c0 = warp * 16 + g;
            for (int kk = 0; kk < Keys / 8; kk++)
            {
                int pr = (4 * kk + tq) ^ swz;
                var x = Tf32Split.From(s2[g * (Keys / 2) + pr], s2[(g + 8) * (Keys / 2) + pr]);
                int kr = 8 * kk + 2 * tq;
                x.Mma(ref dq0, Column32(kf, kr, c0, d));
                x.Mma(ref dq1, Column32(kf, kr, c0 + 8, d));
            }
            AddQueryRows(a.DQ, rowBase, g, rowCount, d, warp * 16 + 2 * tq, dq0, dq1, a.Scale);
        }

        AddKeyRows(a.DK, keyBase, warp * 16 + g, keyCount, d, 2 * tq, dk, a.Scale);
        AddKeyRows(a.DV, keyBase, warp * 16 + g, keyCount, d, 2 * tq, dv, 1f);
    }

    /// <summary>Keys per group of the 3xTF32 kernel at d = 128 (two warps per 16 keys).</summary>
    public const int KeysTf32D128 = 32;

    /// <summary>
    /// 3xTF32 at d = 128: 48 KB of static shared memory cannot hold K and V of 64 keys in fp32 (64 KB), so a group owns 32 keys
    /// with four warps, warps w and w + 2 sharing 16 keys and splitting the columns of dK and dV (64 registers each, as in
    /// <see cref="Backward16{TMma, TDim}"/> at d = 128): warp w computes S^T from K in shared memory, warp w + 2 dP^T with V's A
    /// fragments read straight from global memory (V is read by no other product, and each warp reads its 16 rows once per
    /// query tile, from L1 after the first). Shared memory: K 32 x 128, Q, dO 16 x 128, dS 16 x 32, hand-over 2 KB, fp32: 36 KB.
    /// dQ: each warp 32 of the 128 columns over the group's 32 keys.
    /// </summary>
    public static void BackwardTf32x3D128(KernelArgs a)
    {
        const int d = 128, ppr = d / 2, qpr = d / 4, keys = KeysTf32D128;
        var ks = SharedMemory.Allocate<Float4>(keys * qpr);
        var qs = SharedMemory.Allocate<Float4>(Queries * qpr);
        var dos = SharedMemory.Allocate<Float4>(Queries * qpr);
        var dss = SharedMemory.Allocate<Float4>(Queries * keys / 4);
        var ex = SharedMemory.Allocate<uint>(2 * 32 * 8);
        var k2 = ks.Cast<Float2>();
        var q2 = qs.Cast<Float2>();
        var o2 = dos.Cast<Float2>();
        var s2 = dss.Cast<Float2>();
        var kf = ks.Cast<float>();
        var qf = qs.Cast<float>();
        var of = dos.Cast<float>();
        var sf = dss.Cast<float>();
        var v2 = a.V.Cast<Float2>();
        var tile = a.Tiles[Grid.IdxX];
        int t = Group.IdxX;
        int warp = t >> 5, lane = t & 31, g = lane >> 2, tq = lane & 3;
        int kg = warp & 1, half = warp >> 1;
        int col = 64 * half;
        float f = a.Scale * Log2E;

        int k0 = tile.RowOffset;
        int keyBase = tile.KeyStart + k0;
        int keyCount = tile.KeyCount - k0;
        StageRows32(ks, a.K.Cast<Float4>(), keyBase, keyCount, keys, qpr, t);
        float biasTop = LoadBias(a.Bias, keyBase, kg * 16 + g, keyCount);
        float biasBottom = LoadBias(a.Bias, keyBase, kg * 16 + g + 8, keyCount);

        var dk = default(FragC8);
        var dv = default(FragC8);
        int kTop = (kg * 16 + g) * ppr, kBottom = kTop + 8 * ppr, qRow = g * ppr, swz = 4 * (g & 3);
        int keyTop = k0 + kg * 16 + g;
        int exAt = (kg * 32 + lane) * 8;
        int qStart = tile.Causal != 0 ? k0 : 0;
        for (int q0 = qStart; q0 < tile.QueryCount; q0 += Queries)
        {
            Group.Barrier();
            int rowBase = tile.QueryStart + q0;
            int rowCount = tile.QueryCount - q0;
            StageRows32(qs, a.Q.Cast<Float4>(), rowBase, rowCount, Queries, qpr, t);
            StageRows32(dos, a.DO.Cast<Float4>(), rowBase, rowCount, Queries, qpr, t);
            var l0 = LoadNegLse2(a.Lse, rowBase, 2 * tq, rowCount);
            var l1 = LoadNegLse2(a.Lse, rowBase, 8 + 2 * tq, rowCount);
            var r0 = LoadRowDot2(a.RowDot, rowBase, 2 * tq, rowCount);
            var r1 = LoadRowDot2(a.RowDot, rowBase, 8 + 2 * tq, rowCount);
            bool mask = tile.Causal != 0 && k0 + kg * 16 + 15 > q0;
            Group.Barrier();

            FragC s0 = default, s1 = default;
            if (half == 0)
            {
                for (int kk = 0; kk < d / 8; kk++)
                {
                    int pr = (4 * kk + tq) ^ swz;
                    var x = Tf32Split.From(k2[kTop + pr], k2[kBottom + pr]);
                    x.Mma(ref s0, q2[qRow + pr]);
                    x.Mma(ref s1, q2[qRow + 8 * ppr + pr]);
                }
            }
            else
            {
                // V rows of this lane in global memory (clamped: a key past the end has P = 0, so its dP^T is never used).
                var vTop = v2.SubView((long)(keyBase + XMath.Min(kg * 16 + g, keyCount - 1)) * ppr, ppr);
                var vBottom = v2.SubView((long)(keyBase + XMath.Min(kg * 16 + g + 8, keyCount - 1)) * ppr, ppr);
                for (int kk = 0; kk < d / 8; kk++)
                {
                    int pr = (4 * kk + tq) ^ swz;
                    var x = Tf32Split.From(vTop[4 * kk + tq], vBottom[4 * kk + tq]);
                    x.Mma(ref s0, o2[qRow + pr]);
                    x.Mma(ref s1, o2[qRow + 8 * ppr + pr]);
                }
                Publish(ex, exAt, s0, s1);
            }
            Group.Barrier();
            if (half == 0)
            {
                var p0 = Take(ex, exAt);
                var p1 = Take(ex, exAt + 4);
                SoftmaxGradient(ref s0, ref p0, f, biasTop, biasBottom, l0, r0, mask, keyTop, q0 + 2 * tq);
                SoftmaxGradient(ref s1, ref p1, f, biasTop, biasBottom, l1, r1, mask, keyTop, q0 + 8 + 2 * tq);
                // P^T where dP^T was (each lane rewrites only the words it has just read); dS^T goes through the dS tile.
                Publish(ex, exAt, s0, s1);
                StoreDs32(sf, kg * 16 + g, tq, p0, p1, keys);
            }
            Group.Barrier();
            if (half != 0)
            {
                s0 = new FragC { C0 = Interop.IntAsFloat(ex[exAt]), C1 = Interop.IntAsFloat(ex[exAt + 1]), C2 = Interop.IntAsFloat(ex[exAt + 2]), C3 = Interop.IntAsFloat(ex[exAt + 3]) };
                s1 = new FragC { C0 = Interop.IntAsFloat(ex[exAt + 4]), C1 = Interop.IntAsFloat(ex[exAt + 5]), C2 = Interop.IntAsFloat(ex[exAt + 6]), C3 = Interop.IntAsFloat(ex[exAt + 7]) };
            }

            // dS^T is read back from the dS tile by both warps, as late as possible: fewer accumulators live across dV's products.
            KeyGradient32(Tf32Split.From(s0), ref dv, of, 2 * tq, d, col + g);
            KeyGradient32(Tf32Split.From(s1), ref dv, of, 8 + 2 * tq, d, col + g);
            KeyGradient32(Tf32Split.From(LoadDs32(sf, kg * 16 + g, tq, 0, keys)), ref dk, qf, 2 * tq, d, col + g);
            KeyGradient32(Tf32Split.From(LoadDs32(sf, kg * 16 + g, tq, 8, keys)), ref dk, qf, 8 + 2 * tq, d, col + g);

            // dQ for 32 columns in two passes of 16: four accumulators at once would cross 128 registers.
            for (int part = 0; part < 2; part++)
            {
                FragC dq0 = default, dq1 = default;
                int c0 = warp * 32 + 16 * part + g;
                for (int kk = 0; kk < keys / 8; kk++)
                {
                    int pr = (4 * kk + tq) ^ swz;
                    var x = Tf32Split.From(s2[g * (keys / 2) + pr], s2[(g + 8) * (keys / 2) + pr]);
                    int kr = 8 * kk + 2 * tq;
                    x.Mma(ref dq0, Column32(kf, kr, c0, d));
                    x.Mma(ref dq1, Column32(kf, kr, c0 + 8, d));
                }
                AddQueryRows(a.DQ, rowBase, g, rowCount, d, warp * 32 + 16 * part + 2 * tq, dq0, dq1, a.Scale);
            }
        }

        AddKeyRows(a.DK, keyBase, kg * 16 + g, keyCount, d, col + 2 * tq, dk, a.Scale);
        AddKeyRows(a.DV, keyBase, kg * 16 + g, keyCount, d, col + 2 * tq, dv, 1f);
    }

    /// <summary>Two accumulator fragments handed to the partner warp through the exchange area (8 words from <paramref name="at"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Publish(ArrayView<uint> ex, int at, in FragC a, in FragC b)
    {
        ex[at] = Interop.FloatAsInt(a.C0);
        ex[at + 1] = Interop.FloatAsInt(a.C1);
        ex[at + 2] = Interop.FloatAsInt(a.C2);
        ex[at + 3] = Interop.FloatAsInt(a.C3);
        ex[at + 4] = Interop.FloatAsInt(b.C0);
        ex[at + 5] = Interop.FloatAsInt(b.C1);
        ex[at + 6] = Interop.FloatAsInt(b.C2);
        ex[at + 7] = Interop.FloatAsInt(b.C3);
    }

    /// <summary>One fragment of <see cref="Publish"/>'s (4 words from <paramref name="at"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FragC Take(ArrayView<uint> ex, int at) => new()
    {
        C0 = Interop.IntAsFloat(ex[at]),
        C1 = Interop.IntAsFloat(ex[at + 1]),
        C2 = Interop.IntAsFloat(ex[at + 2]),
        C3 = Interop.IntAsFloat(ex[at + 3]),
    };

    /// <summary>dS^T (keys key, key + 8; queries 2t, 2t + 1 in p0, 8 + 2t, 9 + 2t in p1) into fp32 dS by query, rows of <paramref name="width"/> keys.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDs32(ArrayView<float> sf, int key, int tq, in FragC p0, in FragC p1, int width)
    {
        sf[Idx32(2 * tq, key, width)] = p0.C0;
        sf[Idx32(2 * tq + 1, key, width)] = p0.C1;
        sf[Idx32(2 * tq, key + 8, width)] = p0.C2;
        sf[Idx32(2 * tq + 1, key + 8, width)] = p0.C3;
        sf[Idx32(8 + 2 * tq, key, width)] = p1.C0;
        sf[Idx32(9 + 2 * tq, key, width)] = p1.C1;
        sf[Idx32(8 + 2 * tq, key + 8, width)] = p1.C2;
        sf[Idx32(9 + 2 * tq, key + 8, width)] = p1.C3;
    }

    /// <summary>The dS^T accumulator (keys key, key + 8; queries q + 2t, q + 2t + 1) back from <see cref="StoreDs32"/>'s layout.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FragC LoadDs32(ArrayView<float> sf, int key, int tq, int q, int width) => new()
    {
        C0 = sf[Idx32(q + 2 * tq, key, width)],
        C1 = sf[Idx32(q + 2 * tq + 1, key, width)],
        C2 = sf[Idx32(q + 2 * tq, key + 8, width)],
        C3 = sf[Idx32(q + 2 * tq + 1, key + 8, width)],
    };

    /// <summary>D = rowsum(dO ∘ O) with dO in 16-bit storage (O fp32), one thread per query row, as <see cref="FlashKernels.RowDot{TDim}"/>.</summary>
    public static void RowDot16<TMma, TDim>(KernelArgs a) where TMma : struct, IMma16 where TDim : struct, IHeadDim
    {
        int d = default(TDim).Value;
        var tile = a.Tiles[Grid.IdxX];
        int i = tile.RowOffset + Group.IdxX;
        if (i >= tile.QueryCount) return;
        int row = tile.QueryStart + i;
        var dw = a.DO.Cast<uint>();
        long w0 = (long)row * (d / 2), o0 = (long)row * d;
        TMma mma = default;
        float sum = 0f;
        for (int c = 0; c < d / 2; c++)
        {
            uint w = dw[w0 + c];
            sum += mma.Widen(w & 0xFFFFu) * a.O[o0 + 2 * c] + mma.Widen(w >> 16) * a.O[o0 + 2 * c + 1];
        }
        a.RowDot[row] = sum;
    }

    /// <summary>
    /// P^T = 2^(s·f + bias - lse·log2 e) in <paramref name="s"/> and dS^T = P^T (dP^T - D) in <paramref name="dp"/>, for key rows
    /// keyTop, keyTop + 8 and query columns query, query + 1. -inf bias or lse (masked keys, rows past the end or that saw no
    /// key) give P = 0 and so dS = 0; causal: a key after the query gets P = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SoftmaxGradient(ref FragC s, ref FragC dp, float f, float biasTop, float biasBottom, in Float2 negLse, in Float2 rowDot,
        bool mask, int keyTop, int query)
    {
        s.C0 = XMath.Exp2(s.C0 * f + biasTop + negLse.X);
        s.C1 = XMath.Exp2(s.C1 * f + biasTop + negLse.Y);
        s.C2 = XMath.Exp2(s.C2 * f + biasBottom + negLse.X);
        s.C3 = XMath.Exp2(s.C3 * f + biasBottom + negLse.Y);
        if (mask)
        {
            if (keyTop > query) s.C0 = 0f;
            if (keyTop > query + 1) s.C1 = 0f;
            if (keyTop + 8 > query) s.C2 = 0f;
            if (keyTop + 8 > query + 1) s.C3 = 0f;
        }
        dp.C0 = s.C0 * (dp.C0 - rowDot.X);
        dp.C1 = s.C1 * (dp.C1 - rowDot.Y);
        dp.C2 = s.C2 * (dp.C2 - rowDot.X);
        dp.C3 = s.C3 * (dp.C3 - rowDot.Y);
    }

    /// <summary>
    /// acc (16 keys x 64 columns) += X B, k = 16 queries: X the packed A registers (P^T or dS^T), B the query rows of dO or Q
    /// (<paramref name="h"/>, 16-bit, by row) read down columns 8n + <paramref name="c"/> (c: the warp's first column + g).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeyGradient16<TMma>(TMma mma, ref FragC8 acc, uint x0, uint x1, uint x2, uint x3, ArrayView<ushort> h, int d, int c, int tq)
        where TMma : struct, IMma16
    {
        int r = 2 * tq;
        mma.Mma(ref acc.T0, x0, x1, x2, x3, Column16(h, r, c, d), Column16(h, r + 8, c, d));
        mma.Mma(ref acc.T1, x0, x1, x2, x3, Column16(h, r, 8 + c, d), Column16(h, r + 8, 8 + c, d));
        mma.Mma(ref acc.T2, x0, x1, x2, x3, Column16(h, r, 16 + c, d), Column16(h, r + 8, 16 + c, d));
        mma.Mma(ref acc.T3, x0, x1, x2, x3, Column16(h, r, 24 + c, d), Column16(h, r + 8, 24 + c, d));
        mma.Mma(ref acc.T4, x0, x1, x2, x3, Column16(h, r, 32 + c, d), Column16(h, r + 8, 32 + c, d));
        mma.Mma(ref acc.T5, x0, x1, x2, x3, Column16(h, r, 40 + c, d), Column16(h, r + 8, 40 + c, d));
        mma.Mma(ref acc.T6, x0, x1, x2, x3, Column16(h, r, 48 + c, d), Column16(h, r + 8, 48 + c, d));
        mma.Mma(ref acc.T7, x0, x1, x2, x3, Column16(h, r, 56 + c, d), Column16(h, r + 8, 56 + c, d));
    }

    /// <summary>As <see cref="KeyGradient16{TMma}"/>, 3xTF32, one k = 8 step: rows <paramref name="r"/> and r + 1 of the fp32 rows <paramref name="h"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KeyGradient32(in Tf32Split x, ref FragC8 acc, ArrayView<float> h, int r, int d, int c)
    {
        x.Mma(ref acc.T0, Column32(h, r, c, d));
        x.Mma(ref acc.T1, Column32(h, r, 8 + c, d));
        x.Mma(ref acc.T2, Column32(h, r, 16 + c, d));
        x.Mma(ref acc.T3, Column32(h, r, 24 + c, d));
        x.Mma(ref acc.T4, Column32(h, r, 32 + c, d));
        x.Mma(ref acc.T5, Column32(h, r, 40 + c, d));
        x.Mma(ref acc.T6, Column32(h, r, 48 + c, d));
        x.Mma(ref acc.T7, Column32(h, r, 56 + c, d));
    }

    /// <summary>Element (r, c) of 16-bit rows of <paramref name="width"/> values staged by <see cref="StageRows16"/> (quad q at q ^ (r &amp; 7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Idx16(int r, int c, int width) => r * width + (c ^ (8 * (r & 7)));

    /// <summary>Element (r, c) of fp32 rows staged by <see cref="StageRows32"/> (quad h at h ^ 2(r &amp; 3)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Idx32(int r, int c, int width) => r * width + (c ^ (8 * (r & 3)));

    /// <summary>A B register of m16n8k16 read down a column: (r, c) in the low half, (r + 1, c) in the high half.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Column16(ArrayView<ushort> h, int r, int c, int width) =>
        h[Idx16(r, c, width)] | ((uint)h[Idx16(r + 1, c, width)] << 16);

    /// <summary>A B pair of a 3xTF32 k = 8 step read down a column: rows r (k position t) and r + 1 (t + 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float2 Column32(ArrayView<float> h, int r, int c, int width) => new(h[Idx32(r, c, width)], h[Idx32(r + 1, c, width)]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StageRows16(ArrayView<Word4> dst, ArrayView<Word4> src, int rowBase, int count, int rows, int qpr, int t, int threads)
    {
        int shift = qpr == 8 ? 3 : 4;
        for (int i = t; i < rows * qpr; i += threads)
        {
            int r = i >> shift, q = i & (qpr - 1);
            int rr = XMath.Min(r, count - 1);
            var x = src[(long)(rowBase + rr) * qpr + q];
            dst[r * qpr + (q ^ (r & 7))] = r < count ? x : default;
        }
    }

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

    /// <summary>The bias of key <paramref name="key"/> times log2 e, -inf past the segment's end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LoadBias(ArrayView<float> bias, int keyBase, int key, int count)
    {
        float x = bias[keyBase + XMath.Min(key, count - 1)] * Log2E;
        return key < count ? x : float.NegativeInfinity;
    }

    /// <summary>-lse·log2 e of queries first, first + 1; -inf for rows past the end or that saw no key (their P is 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float2 LoadNegLse2(ArrayView<float> lse, int rowBase, int first, int count) =>
        new(NegLse(lse, rowBase, first, count), NegLse(lse, rowBase, first + 1, count));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float NegLse(ArrayView<float> lse, int rowBase, int row, int count)
    {
        float l = lse[rowBase + XMath.Min(row, count - 1)];
        return row < count && l != float.NegativeInfinity ? -l * Log2E : float.NegativeInfinity;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float2 LoadRowDot2(ArrayView<float> rowDot, int rowBase, int first, int count) =>
        new(rowDot[rowBase + XMath.Min(first, count - 1)], rowDot[rowBase + XMath.Min(first + 1, count - 1)]);

    /// <summary>dQ rows g, g + 8 of the tile, columns col, col + 1 (dq0) and col + 8, col + 9 (dq1), times f, with atomics.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddQueryRows(ArrayView<float> dst, int rowBase, int g, int count, int d, int col, in FragC dq0, in FragC dq1, float f)
    {
        if (g < count)
        {
            long i = (long)(rowBase + g) * d + col;
            Atomic.Add(ref dst[i], dq0.C0 * f);
            Atomic.Add(ref dst[i + 1], dq0.C1 * f);
            Atomic.Add(ref dst[i + 8], dq1.C0 * f);
            Atomic.Add(ref dst[i + 9], dq1.C1 * f);
        }
        if (g + 8 < count)
        {
            long i = (long)(rowBase + g + 8) * d + col;
            Atomic.Add(ref dst[i], dq0.C2 * f);
            Atomic.Add(ref dst[i + 1], dq0.C3 * f);
            Atomic.Add(ref dst[i + 8], dq1.C2 * f);
            Atomic.Add(ref dst[i + 9], dq1.C3 * f);
        }
    }

    /// <summary>Key rows key, key + 8 of dK or dV (eight 16x8 tiles, columns 8c + col, + 1) times f, added with atomics (segments may share keys).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddKeyRows(ArrayView<float> dst, int keyBase, int key, int count, int d, int col, in FragC8 x, float f)
    {
        if (key < count) AddRow(dst, (long)(keyBase + key) * d + col, x.T0.C0, x.T0.C1, x.T1.C0, x.T1.C1, x.T2.C0, x.T2.C1, x.T3.C0, x.T3.C1,
            x.T4.C0, x.T4.C1, x.T5.C0, x.T5.C1, x.T6.C0, x.T6.C1, x.T7.C0, x.T7.C1, f);
        if (key + 8 < count) AddRow(dst, (long)(keyBase + key + 8) * d + col, x.T0.C2, x.T0.C3, x.T1.C2, x.T1.C3, x.T2.C2, x.T2.C3, x.T3.C2, x.T3.C3,
            x.T4.C2, x.T4.C3, x.T5.C2, x.T5.C3, x.T6.C2, x.T6.C3, x.T7.C2, x.T7.C3, f);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(ArrayView<float> dst, long i, float a0, float a1, float b0, float b1, float c0, float c1, float d0, float d1,
        float e0, float e1, float f0, float f1, float g0, float g1, float h0, float h1, float f)
    {
        Atomic.Add(ref dst[i], a0 * f); Atomic.Add(ref dst[i + 1], a1 * f);
        Atomic.Add(ref dst[i + 8], b0 * f); Atomic.Add(ref dst[i + 9], b1 * f);
        Atomic.Add(ref dst[i + 16], c0 * f); Atomic.Add(ref dst[i + 17], c1 * f);
        Atomic.Add(ref dst[i + 24], d0 * f); Atomic.Add(ref dst[i + 25], d1 * f);
        Atomic.Add(ref dst[i + 32], e0 * f); Atomic.Add(ref dst[i + 33], e1 * f);
        Atomic.Add(ref dst[i + 40], f0 * f); Atomic.Add(ref dst[i + 41], f1 * f);
        Atomic.Add(ref dst[i + 48], g0 * f); Atomic.Add(ref dst[i + 49], g1 * f);
        Atomic.Add(ref dst[i + 56], h0 * f); Atomic.Add(ref dst[i + 57], h1 * f);
    }
}
