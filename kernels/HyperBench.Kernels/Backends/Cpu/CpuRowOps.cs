using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// The CPU backend's row primitives for HyperAttention (hashing, gather, scatter-add, LSE merge): memory-bound loops over
/// rows, split into chunks of <see cref="ChunkRows"/> across the device's threads (the backend's ParallelOptions); rows are short (d floats), so each is one TensorPrimitives call.
/// </summary>
internal static unsafe class CpuRowOps
{
    private const int ChunkRows = 2048;
    private const int StripeShift = 6;
    private const int StripeCount = 64;

    /// <summary>Scatter-add takes a lock per 64-row stripe of the destination: gathered keys repeat (samples are shared by blocks).</summary>
    private static readonly object[] Stripes = Enumerable.Range(0, StripeCount).Select(_ => new object()).ToArray();

    /// <summary>
    /// The r projections of 8 rows at a time against G^T (d x 8 per group of 8 bits): eight independent FMA chains, each
    /// lane one projection, and the code is the lanes' sign mask. Per row, r separate TensorPrimitives.Dot calls of d floats
    /// cost more in call and horizontal-sum overhead than in arithmetic: hashing Q and K was about a sixth of the whole
    /// hyper forward at n = 8192. Only signs are kept, so the summation order (this one, not Dot's) decides a code only for
    /// a dot product within rounding of zero.
    /// </summary>
    public static void LshCodes(ParallelOptions workers, float* x, float* g, int rows, int d, int bits, int* codes) =>
        ForChunks(workers, rows, (start, end) =>
        {
            // G^T, zero-padded to whole groups of 8 columns (a zero column never sets a bit); per chunk, d x 16 floats at most.
            int cols = (bits + 7) & ~7;
            float* gt = stackalloc float[d * cols];
            CpuKernels.Transpose(g, bits, d, gt, cols, cols);
            int* c8 = stackalloc int[8];
            int row = start;
            for (; row + 8 <= end; row += 8)
            {
                new Span<int>(c8, 8).Clear();
                for (int group = 0; group < cols; group += 8)
                    Project8(x + (nint)row * d, d, gt + group, cols, c8, group);
                for (int i = 0; i < 8; i++) codes[row + i] = GrayCode.Rank(c8[i]);
            }
            for (; row < end; row++)
            {
                int c = 0;
                for (int group = 0; group < cols; group += 8)
                {
                    var acc = Vector256<float>.Zero;
                    float* xr = x + (nint)row * d;
                    for (int t = 0; t < d; t++) acc = Vector256.MultiplyAddEstimate(Vector256.Create(xr[t]), Vector256.Load(gt + t * cols + group), acc);
                    c |= (int)Vector256.GreaterThan(acc, Vector256<float>.Zero).ExtractMostSignificantBits() << group;
                }
                codes[row] = GrayCode.Rank(c);
            }
        });

    /// <summary>codes[i] |= (sign bits of 8 projections of row i) &lt;&lt; shift, for 8 consecutive rows of x.</summary>
    private static void Project8(float* x, int d, float* gt, int ldg, int* codes, int shift)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        for (int t = 0; t < d; t++)
        {
            var b = Vector256.Load(gt + t * ldg);
            float* xt = x + t;
            a0 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[0]), b, a0);
            a1 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[d]), b, a1);
            a2 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[2 * d]), b, a2);
            a3 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[3 * d]), b, a3);
            a4 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[4 * d]), b, a4);
            a5 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[5 * d]), b, a5);
            a6 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[6 * d]), b, a6);
            a7 = Vector256.MultiplyAddEstimate(Vector256.Create(xt[7 * d]), b, a7);
        }
        var zero = Vector256<float>.Zero;
        codes[0] |= (int)Vector256.GreaterThan(a0, zero).ExtractMostSignificantBits() << shift;
        codes[1] |= (int)Vector256.GreaterThan(a1, zero).ExtractMostSignificantBits() << shift;
        codes[2] |= (int)Vector256.GreaterThan(a2, zero).ExtractMostSignificantBits() << shift;
        codes[3] |= (int)Vector256.GreaterThan(a3, zero).ExtractMostSignificantBits() << shift;
        codes[4] |= (int)Vector256.GreaterThan(a4, zero).ExtractMostSignificantBits() << shift;
        codes[5] |= (int)Vector256.GreaterThan(a5, zero).ExtractMostSignificantBits() << shift;
        codes[6] |= (int)Vector256.GreaterThan(a6, zero).ExtractMostSignificantBits() << shift;
        codes[7] |= (int)Vector256.GreaterThan(a7, zero).ExtractMostSignificantBits() << shift;
    }

    public static void Gather(ParallelOptions workers, float* src, int* index, int rows, int width, float fill, float* dst) =>
        ForChunks(workers, rows, (start, end) =>
        {
            long bytes = 4L * width;
            for (int i = start; i < end; i++)
            {
                float* to = dst + (nint)i * width;
                int j = index[i];
                if (j < 0) new Span<float>(to, width).Fill(fill);
                else Buffer.MemoryCopy(src + (nint)j * width, to, bytes, bytes);
            }
        });

    public static void ScatterAdd(ParallelOptions workers, float* src, int* index, int rows, int width, float* dst) =>
        ForChunks(workers, rows, (start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                int j = index[i];
                if (j < 0) continue;
                var to = new Span<float>(dst + (nint)j * width, width);
                lock (Stripes[(j >> StripeShift) % StripeCount])
                    TensorPrimitives.Add(to, new ReadOnlySpan<float>(src + (nint)i * width, width), to);
            }
        });

    public static void Merge(ParallelOptions workers, float* partO, float* partLse, int* index, int rows, int d, bool accumulate, float* o, float* lse) =>
        ForChunks(workers, rows, (start, end) =>
        {
            for (int i = start; i < end; i++)
            {
                int j = index[i];
                if (j < 0) continue;
                var from = new ReadOnlySpan<float>(partO + (nint)i * d, d);
                var to = new Span<float>(o + (nint)j * d, d);
                float l2 = partLse[i];
                if (!accumulate)
                {
                    from.CopyTo(to);
                    lse[j] = l2;
                    continue;
                }
                float l1 = lse[j];
                if (float.IsNegativeInfinity(l2)) continue;
                if (float.IsNegativeInfinity(l1))
                {
                    from.CopyTo(to);
                    lse[j] = l2;
                    continue;
                }
                float m = MathF.Max(l1, l2);
                float l = m + MathF.Log(MathF.Exp(l1 - m) + MathF.Exp(l2 - m));
                float a = MathF.Exp(l1 - l), b = MathF.Exp(l2 - l);
                TensorPrimitives.Multiply(to, a, to);
                TensorPrimitives.MultiplyAdd(from, b, to, to);
                lse[j] = l;
            }
        });

    private static void ForChunks(ParallelOptions workers, int rows, Action<int, int> body)
    {
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        if (chunks <= 1)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, workers, c => body(c * ChunkRows, Math.Min(rows, (c + 1) * ChunkRows)));
    }
}
