using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// The inner loops of the CPU backend: one register-blocked GEMM micro-kernel (every product in forward and backward is
/// C (+)= A B with A read through strides, so P^T and dS^T need no transposed copies), a small transpose, and fused
/// softmax row passes with an inlined vector exp (the exp of every score, not the GEMMs, is what limits a CPU).
/// </summary>
internal static unsafe class CpuKernels
{
    /// <summary>
    /// C[r, c] (+)= sum_t A[r * aRow + t * aInner] * B[t * ldb + c] for r &lt; rows, c &lt; cols, t &lt; inner.
    /// Four rows of A are broadcast against two vectors of B per step: 8 FMAs for 2 vector loads and 4 broadcasts.
    /// </summary>
    public static void Gemm(float* a, nint aRow, nint aInner, float* b, nint ldb, float* c, nint ldc,
        int rows, int cols, int inner, bool accumulate)
    {
        // Columns [0, blocked) of every group of four rows go through the two-vector register blocks, 512-bit lanes first
        // where there are (half the loads, broadcasts and loop overhead per flop); Gemm4 finishes the columns left.
        int groups = rows / 4, blocked = 0;
        if (groups > 0)
        {
            if (Vector512.IsHardwareAccelerated)
                blocked = Gemm4x2<Vector512<float>, Lanes512>(a, aRow, aInner, b, ldb, c, ldc, groups, blocked, cols, inner, accumulate);
            blocked = Gemm4x2<Vector256<float>, Lanes256>(a, aRow, aInner, b, ldb, c, ldc, groups, blocked, cols, inner, accumulate);
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4)
        {
            if (blocked < cols) Gemm4(a + r * aRow, aRow, aInner, b, ldb, c + r * ldc, ldc, blocked, cols, inner, accumulate);
        }
        for (; r < rows; r++)
            Gemm1(a + r * aRow, aInner, b, ldb, c + r * ldc, cols, inner, accumulate);
    }

    /// <summary>Columns [col, cols) of four rows, one vector (then one column) at a time: the remainder of <see cref="Gemm"/>'s register blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm4(float* a, nint aRow, nint aInner, float* b, nint ldb, float* c, nint ldc,
        int col, int cols, int inner, bool accumulate)
    {
        float* c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc;
        for (; col + 8 <= cols; col += 8)
        {
            Vector256<float> x0, x1, x2, x3;
            if (accumulate)
            {
                x0 = Vector256.Load(c0 + col); x1 = Vector256.Load(c1 + col);
                x2 = Vector256.Load(c2 + col); x3 = Vector256.Load(c3 + col);
            }
            else
            {
                x0 = x1 = x2 = x3 = Vector256<float>.Zero;
            }
            float* bp = b + col;
            float* ap = a;
            for (int t = 0; t < inner; t++)
            {
                var b0 = Vector256.Load(bp);
                x0 = Vector256.MultiplyAddEstimate(Vector256.Create(ap[0]), b0, x0);
                x1 = Vector256.MultiplyAddEstimate(Vector256.Create(ap[aRow]), b0, x1);
                x2 = Vector256.MultiplyAddEstimate(Vector256.Create(ap[2 * aRow]), b0, x2);
                x3 = Vector256.MultiplyAddEstimate(Vector256.Create(ap[3 * aRow]), b0, x3);
                bp += ldb;
                ap += aInner;
            }
            x0.Store(c0 + col); x1.Store(c1 + col); x2.Store(c2 + col); x3.Store(c3 + col);
        }
        for (; col < cols; col++)
        {
            for (int rr = 0; rr < 4; rr++)
            {
                float* ar = a + rr * aRow;
                float sum = accumulate ? c[rr * ldc + col] : 0f;
                for (int t = 0; t < inner; t++) sum += ar[t * aInner] * b[t * ldb + col];
                c[rr * ldc + col] = sum;
            }
        }
    }

    /// <summary>
    /// The 4 x (2 vectors) register block: for every group of four rows, columns from <paramref name="col0"/> while two
    /// vectors remain; returns the first column not done. One call per width and GEMM (not per group of rows), compiled
    /// apart per width: inlined twice into one method the JIT ran out of registers and spilled inside the inner loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Gemm4x2<TVec, L>(float* a, nint aRow, nint aInner, float* b, nint ldb, float* c, nint ldc,
        int groups, int col0, int cols, int inner, bool accumulate)
        where TVec : struct
        where L : IFloatLanes<TVec>
    {
        int w = L.Count;
        int end = col0 + (cols - col0) / (2 * w) * (2 * w);
        // 3 aRow hoisted and the loop counted down by hand: the JIT did neither here (two more instructions per 8 FMAs).
        nint aRow3 = 3 * aRow;
        for (int g = 0; g < groups; g++)
        {
            float* ag = a + 4 * g * aRow;
            float* c0 = c + 4 * g * ldc, c1 = c0 + ldc, c2 = c0 + 2 * ldc, c3 = c0 + 3 * ldc;
            for (int col = col0; col < end; col += 2 * w)
            {
                TVec x00, x01, x10, x11, x20, x21, x30, x31;
                if (accumulate)
                {
                    x00 = L.Load(c0 + col); x01 = L.Load(c0 + col + w);
                    x10 = L.Load(c1 + col); x11 = L.Load(c1 + col + w);
                    x20 = L.Load(c2 + col); x21 = L.Load(c2 + col + w);
                    x30 = L.Load(c3 + col); x31 = L.Load(c3 + col + w);
                }
                else
                {
                    x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = L.Zero;
                }
                float* bp = b + col;
                float* ap = ag;
                for (int t = inner; t > 0; t--)
                {
                    var b0 = L.Load(bp);
                    var b1 = L.Load(bp + w);
                    var a0 = L.Broadcast(ap[0]);
                    var a1 = L.Broadcast(ap[aRow]);
                    var a2 = L.Broadcast(ap[2 * aRow]);
                    var a3 = L.Broadcast(ap[aRow3]);
                    x00 = L.MultiplyAdd(a0, b0, x00); x01 = L.MultiplyAdd(a0, b1, x01);
                    x10 = L.MultiplyAdd(a1, b0, x10); x11 = L.MultiplyAdd(a1, b1, x11);
                    x20 = L.MultiplyAdd(a2, b0, x20); x21 = L.MultiplyAdd(a2, b1, x21);
                    x30 = L.MultiplyAdd(a3, b0, x30); x31 = L.MultiplyAdd(a3, b1, x31);
                    bp += ldb;
                    ap += aInner;
                }
                L.Store(x00, c0 + col); L.Store(x01, c0 + col + w);
                L.Store(x10, c1 + col); L.Store(x11, c1 + col + w);
                L.Store(x20, c2 + col); L.Store(x21, c2 + col + w);
                L.Store(x30, c3 + col); L.Store(x31, c3 + col + w);
            }
        }
        return end;
    }

    private static void Gemm1(float* a, nint aInner, float* b, nint ldb, float* c, int cols, int inner, bool accumulate)
    {
        int col = 0;
        for (; col + 16 <= cols; col += 16)
        {
            var x0 = accumulate ? Vector256.Load(c + col) : Vector256<float>.Zero;
            var x1 = accumulate ? Vector256.Load(c + col + 8) : Vector256<float>.Zero;
            float* bp = b + col;
            for (int t = 0; t < inner; t++)
            {
                var av = Vector256.Create(a[t * aInner]);
                x0 = Vector256.MultiplyAddEstimate(av, Vector256.Load(bp), x0);
                x1 = Vector256.MultiplyAddEstimate(av, Vector256.Load(bp + 8), x1);
                bp += ldb;
            }
            x0.Store(c + col); x1.Store(c + col + 8);
        }
        for (; col + 8 <= cols; col += 8)
        {
            var x0 = accumulate ? Vector256.Load(c + col) : Vector256<float>.Zero;
            float* bp = b + col;
            for (int t = 0; t < inner; t++)
            {
                x0 = Vector256.MultiplyAddEstimate(Vector256.Create(a[t * aInner]), Vector256.Load(bp), x0);
                bp += ldb;
            }
            x0.Store(c + col);
        }
        for (; col < cols; col++)
        {
            float sum = accumulate ? c[col] : 0f;
            for (int t = 0; t < inner; t++) sum += a[t * aInner] * b[t * ldb + col];
            c[col] = sum;
        }
    }

    /// <summary>
    /// dst[t * ldd + j] = scale * src[j * d + t] for j &lt; count; columns count..padded are zeroed so the GEMM reads finite values.
    /// </summary>
    public static void Transpose(float* src, int count, int d, float* dst, int ldd, int padded, float scale = 1f)
    {
        for (int t = 0; t < d; t++)
        {
            float* drow = dst + (nint)t * ldd;
            float* s = src + t;
            int j = 0;
            for (; j < count; j++) drow[j] = scale * s[(nint)j * d];
            for (; j < padded; j++) drow[j] = 0f;
        }
    }

    /// <summary>
    /// Online-softmax step on a transposed score tile St[j * ld + i] (key j, query lane i &lt; width, width a multiple of 8):
    /// adds the key bias, takes the column max, updates the running max m, and replaces St by P = exp(St - m), the
    /// running sum l = l * alpha + colsum P, and alpha = exp(m_old - m_new) for the caller to rescale its accumulators.
    /// The transposed layout puts 8 queries in each vector lane group, so every statistic is a plain vector op.
    /// A query that has seen only -inf keeps m = -inf and gets P = 0 (it subtracts 0 instead of m: no -inf - -inf).
    /// </summary>
    public static void SoftmaxColumns(float* st, int ld, int kc, int width, float* bias, float* m, float* l, float* alpha)
    {
        int c = 0;
        // 16 query lanes per vector while 16 remain: the same operations lane by lane (so the same bits) in half the
        // instructions; the exp of every score is the forward's inner bottleneck.
        if (Vector512.IsHardwareAccelerated) c = SoftmaxColumns<Vector512<float>, Lanes512>(st, ld, kc, width, bias, m, l, alpha, c);
        SoftmaxColumns<Vector256<float>, Lanes256>(st, ld, kc, width, bias, m, l, alpha, c);
    }

    /// <summary><see cref="SoftmaxColumns(float*, int, int, int, float*, float*, float*, float*)"/> from lane <paramref name="c"/> while a whole vector remains; returns the lanes done.</summary>
    private static int SoftmaxColumns<TVec, L>(float* st, int ld, int kc, int width, float* bias, float* m, float* l, float* alpha, int c)
        where TVec : struct
        where L : IFloatLanes<TVec>
    {
        var negInf = L.Broadcast(float.NegativeInfinity);
        for (; c + L.Count <= width; c += L.Count)
        {
            float* col = st + c;
            var vmax = negInf;
            if (bias != null)
            {
                for (int j = 0; j < kc; j++)
                {
                    var x = L.Add(L.Load(col + (nint)j * ld), L.Broadcast(bias[j]));
                    L.Store(x, col + (nint)j * ld);
                    vmax = L.Max(vmax, x);
                }
            }
            else
            {
                for (int j = 0; j < kc; j++) vmax = L.Max(vmax, L.Load(col + (nint)j * ld));
            }
            var mOld = L.Load(m + c);
            var mNew = L.Max(mOld, vmax);
            var mSafe = L.NegativeInfinityToZero(mNew);
            var a = Exp<TVec, L>(L.Subtract(mOld, mSafe));
            var sum = L.Zero;
            for (int j = 0; j < kc; j++)
            {
                var p = Exp<TVec, L>(L.Subtract(L.Load(col + (nint)j * ld), mSafe));
                L.Store(p, col + (nint)j * ld);
                sum = L.Add(sum, p);
            }
            L.Store(mNew, m + c);
            L.Store(L.MultiplyAdd(L.Load(l + c), a, sum), l + c);
            L.Store(a, alpha + c);
        }
        return c;
    }

    /// <summary>x[j] = scale * src[j] for a block of rows (scale folded into Q once per tile instead of into every score).</summary>
    public static void Scale(float* src, float* dst, int length, float scale)
    {
        int j = 0;
        var vs = Vector256.Create(scale);
        for (; j + 8 <= length; j += 8) (Vector256.Load(src + j) * vs).Store(dst + j);
        for (; j < length; j++) dst[j] = src[j] * scale;
    }

    /// <summary>
    /// Backward row: p = exp(s + bias - lse) into s, ds = p * (dp - rowDot) into dp, for j &lt; len; zero for len &lt;= j &lt; zeroTo.
    /// </summary>
    public static void BackwardRow(float* s, float* dp, float* bias, int len, int zeroTo, float lse, float rowDot)
    {
        var vl = Vector256.Create(lse);
        var vd = Vector256.Create(rowDot);
        int j = 0;
        if (bias != null)
        {
            for (; j + 8 <= len; j += 8)
            {
                var p = Exp<Vector256<float>, Lanes256>(Vector256.Load(s + j) + Vector256.Load(bias + j) - vl);
                p.Store(s + j);
                (p * (Vector256.Load(dp + j) - vd)).Store(dp + j);
            }
        }
        else
        {
            for (; j + 8 <= len; j += 8)
            {
                var p = Exp<Vector256<float>, Lanes256>(Vector256.Load(s + j) - vl);
                p.Store(s + j);
                (p * (Vector256.Load(dp + j) - vd)).Store(dp + j);
            }
        }
        for (; j < len; j++)
        {
            float x = bias != null ? s[j] + bias[j] : s[j];
            float p = MathF.Exp(x - lse);
            s[j] = p;
            dp[j] = p * (dp[j] - rowDot);
        }
        for (; j < zeroTo; j++)
        {
            s[j] = 0f;
            dp[j] = 0f;
        }
    }

    /// <summary>x *= alpha over a row.</summary>
    public static void ScaleInPlace(float* x, int length, float alpha)
    {
        var va = Vector256.Create(alpha);
        int j = 0;
        for (; j + 8 <= length; j += 8) (Vector256.Load(x + j) * va).Store(x + j);
        for (; j < length; j++) x[j] *= alpha;
    }

    public static float Dot(float* x, float* y, int length)
    {
        var acc = Vector256<float>.Zero;
        int j = 0;
        for (; j + 8 <= length; j += 8) acc = Vector256.MultiplyAddEstimate(Vector256.Load(x + j), Vector256.Load(y + j), acc);
        float sum = Vector256.Sum(acc);
        for (; j < length; j++) sum += x[j] * y[j];
        return sum;
    }

    /// <summary>dst[j] += alpha * src[j]; src[j] = 0 (flushes a partial accumulator and readies it for reuse in one pass).</summary>
    public static void AddScaledAndClear(float* src, float* dst, nint length, float alpha)
    {
        var va = Vector256.Create(alpha);
        nint j = 0;
        for (; j + 8 <= length; j += 8)
        {
            Vector256.MultiplyAddEstimate(Vector256.Load(src + j), va, Vector256.Load(dst + j)).Store(dst + j);
            Vector256<float>.Zero.Store(src + j);
        }
        for (; j < length; j++)
        {
            dst[j] += alpha * src[j];
            src[j] = 0f;
        }
    }

    /// <summary>
    /// exp(x) for x &lt;= 0 in float: x = n ln2 + r, |r| &lt;= ln2/2, degree-7 Taylor in r (relative error ~1e-8 plus rounding),
    /// times 2^n through the exponent bits. x below -87 (including -inf of masked scores) gives exactly 0, never NaN.
    /// The same steps at every width, so the same result per lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Exp<TVec, L>(TVec x)
        where TVec : struct
        where L : IFloatLanes<TVec>
    {
        var xc = L.Clamp(x, -87f, 88f);
        var n = L.Round(L.Multiply(xc, L.Broadcast(1.44269504088896341f)));
        var r = L.MultiplyAdd(n, L.Broadcast(-0.693359375f), xc);
        r = L.MultiplyAdd(n, L.Broadcast(2.12194440e-4f), r);
        var p = L.Broadcast(1f / 5040f);
        p = L.MultiplyAdd(p, r, L.Broadcast(1f / 720f));
        p = L.MultiplyAdd(p, r, L.Broadcast(1f / 120f));
        p = L.MultiplyAdd(p, r, L.Broadcast(1f / 24f));
        p = L.MultiplyAdd(p, r, L.Broadcast(1f / 6f));
        p = L.MultiplyAdd(p, r, L.Broadcast(0.5f));
        p = L.MultiplyAdd(p, r, L.Broadcast(1f));
        p = L.MultiplyAdd(p, r, L.Broadcast(1f));
        return L.ZeroWhereLess(L.Multiply(p, L.Pow2(n)), x, L.Broadcast(-87f));
    }
}
