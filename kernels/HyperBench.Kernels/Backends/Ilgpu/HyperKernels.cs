using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// HyperAttention's row primitives (IAttentionBackend: LSH codes, gather, scatter-add, LSE merge) as ILGPU kernels, one
/// thread per row (hash, merge) or per element (gather, scatter-add). Memory-bound and tiny next to the attention tiles.
/// </summary>
internal static class HyperKernels
{
    /// <summary>codes[row] = inverse Gray code of the sign bits of G x_row (<see cref="GrayCode.Rank"/>, shared with the CPU backend).</summary>
    public static void LshCodes(Index1D row, ArrayView<float> x, ArrayView<float> g, int d, int bits, ArrayView<int> codes)
    {
        long xBase = (long)row.X * d;
        int c = 0;
        for (int k = 0; k < bits; k++)
        {
            float dot = 0f;
            for (int t = 0; t < d; t++) dot += g[k * d + t] * x[xBase + t];
            if (dot > 0f) c |= 1 << k;
        }
        codes[row] = GrayCode.Rank(c);
    }

    public static void Gather(Index1D e, ArrayView<float> src, ArrayView<int> index, int width, float fill, ArrayView<float> dst)
    {
        int i = e.X / width;
        int c = e.X - i * width;
        int j = index[i];
        dst[e] = j < 0 ? fill : src[(long)j * width + c];
    }

    public static void ScatterAdd(Index1D e, ArrayView<float> src, ArrayView<int> index, int width, ArrayView<float> dst)
    {
        int i = e.X / width;
        int c = e.X - i * width;
        int j = index[i];
        if (j >= 0) Atomic.Add(ref dst[(long)j * width + c], src[e]);
    }

    public static void Merge(Index1D i, ArrayView<float> partO, ArrayView<float> partLse, ArrayView<int> index, int d, int accumulate,
        ArrayView<float> o, ArrayView<float> lse)
    {
        int j = index[i];
        if (j < 0) return;
        long src = (long)i.X * d, dst = (long)j * d;
        float l2 = partLse[i];
        float l1 = accumulate != 0 ? lse[j] : float.NegativeInfinity;
        if (accumulate != 0 && l2 == float.NegativeInfinity) return;
        if (l1 == float.NegativeInfinity)
        {
            for (int c = 0; c < d; c++) o[dst + c] = partO[src + c];
            lse[j] = l2;
            return;
        }
        float m = XMath.Max(l1, l2);
        float l = m + XMath.Log(XMath.Exp(l1 - m) + XMath.Exp(l2 - m));
        float a = XMath.Exp(l1 - l), b = XMath.Exp(l2 - l);
        for (int c = 0; c < d; c++) o[dst + c] = o[dst + c] * a + partO[src + c] * b;
        lse[j] = l;
    }
}
