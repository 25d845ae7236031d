using System.Numerics.Tensors;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// The CPU backend's row primitives for HyperAttention (hashing, gather, scatter-add, LSE merge): memory-bound loops over
/// rows, split into chunks of <see cref="ChunkRows"/> across cores; rows are short (d floats), so each is one TensorPrimitives call.
/// </summary>
internal static unsafe class CpuRowOps
{
    private const int ChunkRows = 2048;
    private const int StripeShift = 6;
    private const int StripeCount = 64;

    private static readonly ParallelOptions Workers = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Scatter-add takes a lock per 64-row stripe of the destination: gathered keys repeat (samples are shared by blocks).</summary>
    private static readonly object[] Stripes = Enumerable.Range(0, StripeCount).Select(_ => new object()).ToArray();

    public static void LshCodes(float* x, float* g, int rows, int d, int bits, int* codes) =>
        ForChunks(rows, (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                var xr = new ReadOnlySpan<float>(x + (nint)row * d, d);
                int c = 0;
                for (int k = 0; k < bits; k++)
                    if (TensorPrimitives.Dot(xr, new ReadOnlySpan<float>(g + (nint)k * d, d)) > 0f) c |= 1 << k;
                codes[row] = IndexTensors.GrayRank(c);
            }
        });

    public static void Gather(float* src, int* index, int rows, int width, float fill, float* dst) =>
        ForChunks(rows, (start, end) =>
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

    public static void ScatterAdd(float* src, int* index, int rows, int width, float* dst) =>
        ForChunks(rows, (start, end) =>
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

    public static void Merge(float* partO, float* partLse, int* index, int rows, int d, bool accumulate, float* o, float* lse) =>
        ForChunks(rows, (start, end) =>
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

    private static void ForChunks(int rows, Action<int, int> body)
    {
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        if (chunks <= 1)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, Workers, c => body(c * ChunkRows, Math.Min(rows, (c + 1) * ChunkRows)));
    }
}
