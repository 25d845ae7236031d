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
        int r = 0;
        for (; r + 4 <= rows; r += 4)
            Gemm4(a + r * aRow, aRow, aInner, b, ldb, c + r * ldc, ldc, cols, inner, accumulate);
        for (; r < rows; r++)
            Gemm1(a + r * aRow, aInner, b, ldb, c + r * ldc, cols, inner, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gemm4(float* a, nint aRow, nint aInner, float* b, nint ldb, float* c, nint ldc,
        int cols, int inner, bool accumulate)
    {
        float* c0 = c, c1 = c + ldc, c2 = c + 2 * ldc, c3 = c + 3 * ldc;
        int col = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Same shape with 512-bit lanes: half the loads, broadcasts and loop overhead per flop.
            for (; col + 32 <= cols; col += 32)
            {
                Vector512<float> x00, x01, x10, x11, x20, x21, x30, x31;
                if (accumulate)
                {
                    x00 = Vector512.Load(c0 + col); x01 = Vector512.Load(c0 + col + 16);
                    x10 = Vector512.Load(c1 + col); x11 = Vector512.Load(c1 + col + 16);
                    x20 = Vector512.Load(c2 + col); x21 = Vector512.Load(c2 + col + 16);
                    x30 = Vector512.Load(c3 + col); x31 = Vector512.Load(c3 + col + 16);
                }
                else
                {
                    x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = Vector512<float>.Zero;
                }
                float* bp = b + col;
                float* ap = a;
                for (int t = 0; t < inner; t++)
                {
                    var b0 = Vector512.Load(bp);
                    var b1 = Vector512.Load(bp + 16);
                    var a0 = Vector512.Create(ap[0]);
                    var a1 = Vector512.Create(ap[aRow]);
                    var a2 = Vector512.Create(ap[2 * aRow]);
                    var a3 = Vector512.Create(ap[3 * aRow]);
                    x00 = Vector512.MultiplyAddEstimate(a0, b0, x00); x01 = Vector512.MultiplyAddEstimate(a0, b1, x01);
                    x10 = Vector512.MultiplyAddEstimate(a1, b0, x10); x11 = Vector512.MultiplyAddEstimate(a1, b1, x11);
                    x20 = Vector512.MultiplyAddEstimate(a2, b0, x20); x21 = Vector512.MultiplyAddEstimate(a2, b1, x21);
                    x30 = Vector512.MultiplyAddEstimate(a3, b0, x30); x31 = Vector512.MultiplyAddEstimate(a3, b1, x31);
                    bp += ldb;
                    ap += aInner;
                }
                x00.Store(c0 + col); x01.Store(c0 + col + 16);
                x10.Store(c1 + col); x11.Store(c1 + col + 16);
                x20.Store(c2 + col); x21.Store(c2 + col + 16);
                x30.Store(c3 + col); x31.Store(c3 + col + 16);
            }
        }
        for (; col + 16 <= cols; col += 16)
        {
            Vector256<float> x00, x01, x10, x11, x20, x21, x30, x31;
            if (accumulate)
            {
                x00 = Vector256.Load(c0 + col); x01 = Vector256.Load(c0 + col + 8);
                x10 = Vector256.Load(c1 + col); x11 = Vector256.Load(c1 + col + 8);
                x20 = Vector256.Load(c2 + col); x21 = Vector256.Load(c2 + col + 8);
                x30 = Vector256.Load(c3 + col); x31 = Vector256.Load(c3 + col + 8);
            }
            else
            {
                x00 = x01 = x10 = x11 = x20 = x21 = x30 = x31 = Vector256<float>.Zero;
            }
            float* bp = b + col;
            float* ap = a;
            for (int t = 0; t < inner; t++)
            {
                var b0 = Vector256.Load(bp);
                var b1 = Vector256.Load(bp + 8);
                var a0 = Vector256.Create(ap[0]);
                var a1 = Vector256.Create(ap[aRow]);
                var a2 = Vector256.Create(ap[2 * aRow]);
                var a3 = Vector256.Create(ap[3 * aRow]);
                x00 = Vector256.MultiplyAddEstimate(a0, b0, x00); x01 = Vector256.MultiplyAddEstimate(a0, b1, x01);
                x10 = Vector256.MultiplyAddEstimate(a1, b0, x10); x11 = Vector256.MultiplyAddEstimate(a1, b1, x11);
                x20 = Vector256.MultiplyAddEstimate(a2, b0, x20); x21 = Vector256.MultiplyAddEstimate(a2, b1, x21);
                x30 = Vector256.MultiplyAddEstimate(a3, b0, x30); x31 = Vector256.MultiplyAddEstimate(a3, b1, x31);
                bp += ldb;
                ap += aInner;
            }
            x00.Store(c0 + col); x01.Store(c0 + col + 8);
            x10.Store(c1 + col); x11.Store(c1 + col + 8);
            x20.Store(c2 + col); x21.Store(c2 + col + 8);
            x30.Store(c3 + col); x31.Store(c3 + col + 8);
        }
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
        if (Vector512.IsHardwareAccelerated) c = SoftmaxColumns512(st, ld, kc, width, bias, m, l, alpha);
        var negInf = Vector256.Create(float.NegativeInfinity);
        for (; c < width; c += 8)
        {
            float* col = st + c;
            var vmax = negInf;
            if (bias != null)
            {
                for (int j = 0; j < kc; j++)
                {
                    var x = Vector256.Load(col + (nint)j * ld) + Vector256.Create(bias[j]);
                    x.Store(col + (nint)j * ld);
                    vmax = Vector256.Max(vmax, x);
                }
            }
            else
            {
                for (int j = 0; j < kc; j++) vmax = Vector256.Max(vmax, Vector256.Load(col + (nint)j * ld));
            }
            var mOld = Vector256.Load(m + c);
            var mNew = Vector256.Max(mOld, vmax);
            var mSafe = Vector256.ConditionalSelect(Vector256.Equals(mNew, negInf), Vector256<float>.Zero, mNew);
            var a = Exp(mOld - mSafe);
            var sum = Vector256<float>.Zero;
            for (int j = 0; j < kc; j++)
            {
                var p = Exp(Vector256.Load(col + (nint)j * ld) - mSafe);
                p.Store(col + (nint)j * ld);
                sum += p;
            }
            mNew.Store(m + c);
            Vector256.MultiplyAddEstimate(Vector256.Load(l + c), a, sum).Store(l + c);
            a.Store(alpha + c);
        }
    }

    /// <summary>
    /// <see cref="SoftmaxColumns"/> on 16 query lanes per vector while 16 remain; returns the lanes done. The same operations
    /// lane by lane (so the same bits), in half the instructions: the exp of every score is the forward's inner bottleneck.
    /// </summary>
    private static int SoftmaxColumns512(float* st, int ld, int kc, int width, float* bias, float* m, float* l, float* alpha)
    {
        var negInf = Vector512.Create(float.NegativeInfinity);
        int c = 0;
        for (; c + 16 <= width; c += 16)
        {
            float* col = st + c;
            var vmax = negInf;
            if (bias != null)
            {
                for (int j = 0; j < kc; j++)
                {
                    var x = Vector512.Load(col + (nint)j * ld) + Vector512.Create(bias[j]);
                    x.Store(col + (nint)j * ld);
                    vmax = Vector512.Max(vmax, x);
                }
            }
            else
            {
                for (int j = 0; j < kc; j++) vmax = Vector512.Max(vmax, Vector512.Load(col + (nint)j * ld));
            }
            var mOld = Vector512.Load(m + c);
            var mNew = Vector512.Max(mOld, vmax);
            var mSafe = Vector512.ConditionalSelect(Vector512.Equals(mNew, negInf), Vector512<float>.Zero, mNew);
            var a = Exp(mOld - mSafe);
            var sum = Vector512<float>.Zero;
            for (int j = 0; j < kc; j++)
            {
                var p = Exp(Vector512.Load(col + (nint)j * ld) - mSafe);
                p.Store(col + (nint)j * ld);
                sum += p;
            }
            mNew.Store(m + c);
            Vector512.MultiplyAddEstimate(Vector512.Load(l + c), a, sum).Store(l + c);
            a.Store(alpha + c);
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
                var p = Exp(Vector256.Load(s + j) + Vector256.Load(bias + j) - vl);
                p.Store(s + j);
                (p * (Vector256.Load(dp + j) - vd)).Store(dp + j);
            }
        }
        else
        {
            for (; j + 8 <= len; j += 8)
            {
                var p = Exp(Vector256.Load(s + j) - vl);
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

    private static float HorizontalMax(Vector256<float> v)
    {
        var m = Vector128.Max(v.GetLower(), v.GetUpper());
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(2, 3, 0, 1)));
        m = Vector128.Max(m, Vector128.Shuffle(m, Vector128.Create(1, 0, 3, 2)));
        return m.ToScalar();
    }

    /// <summary><see cref="Exp(Vector256{float})"/> on 16 lanes: the same steps, so the same result per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
        var underflow = Vector512.LessThan(x, Vector512.Create(-87f));
        var xc = Vector512.Min(Vector512.Max(x, Vector512.Create(-87f)), Vector512.Create(88f));
        var n = Vector512.Round(xc * Vector512.Create(1.44269504088896341f));
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-0.693359375f), xc);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1f / 5040f);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1f / 720f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1f / 120f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1f / 24f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1f / 6f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(0.5f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.AndNot(p * scale, underflow);
    }

    /// <summary>
    /// exp(x) for x &lt;= 0 in float: x = n ln2 + r, |r| &lt;= ln2/2, degree-7 Taylor in r (relative error ~1e-8 plus rounding),
    /// times 2^n through the exponent bits. x below -87 (including -inf of masked scores) gives exactly 0, never NaN.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(-87f));
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-87f)), Vector256.Create(88f));
        var n = Vector256.Round(xc * Vector256.Create(1.44269504088896341f));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-0.693359375f), xc);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1f / 5040f);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 720f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 120f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 24f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1f / 6f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(0.5f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.AndNot(p * scale, underflow);
    }
}
