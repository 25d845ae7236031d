using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// Online-softmax state of four query rows, in base 2 (scores are pre-multiplied by log2 e so exp is one ex2.approx).
/// A row is spread over 8 or 16 lanes of a warp: the running max is kept equal on all of them (shuffle reduction),
/// each lane keeps its share of the running sum, and the shares are added once at the end.
/// </summary>
internal struct SoftmaxRows
{
    public Float4 M;
    public Float4 L;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SoftmaxRows Start()
    {
        float n = float.NegativeInfinity;
        return new SoftmaxRows { M = new Float4(n, n, n, n), L = default };
    }

    /// <summary>
    /// Folds a tile of scores in: s becomes P = 2^(s - m_new) and the returned factors 2^(m_old - m_new) rescale the
    /// accumulator. A row with no visible key so far keeps m = -inf and gets P = 0 (never NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Float4 Update(ref Tile4x4 s, bool sixteenLanes)
    {
        var mx = MaxOverLanes(s.RowMax(), sixteenLanes);
        var mNew = new Float4(XMath.Max(M.X, mx.X), XMath.Max(M.Y, mx.Y), XMath.Max(M.Z, mx.Z), XMath.Max(M.W, mx.W));
        var mUse = new Float4(Finite(mNew.X), Finite(mNew.Y), Finite(mNew.Z), Finite(mNew.W));
        var alpha = new Float4(XMath.Exp2(M.X - mUse.X), XMath.Exp2(M.Y - mUse.Y), XMath.Exp2(M.Z - mUse.Z), XMath.Exp2(M.W - mUse.W));
        var sums = s.Exp2RowsMinus(mUse);
        L = new Float4(L.X * alpha.X + sums.X, L.Y * alpha.Y + sums.Y, L.Z * alpha.Z + sums.Z, L.W * alpha.W + sums.W);
        M = mNew;
        return alpha;
    }

    /// <summary>The full row sums (every lane's share added).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 TotalSums(bool sixteenLanes)
    {
        var l = L;
        l = new Float4(l.X + Warp.ShuffleXor(l.X, 1), l.Y + Warp.ShuffleXor(l.Y, 1), l.Z + Warp.ShuffleXor(l.Z, 1), l.W + Warp.ShuffleXor(l.W, 1));
        l = new Float4(l.X + Warp.ShuffleXor(l.X, 2), l.Y + Warp.ShuffleXor(l.Y, 2), l.Z + Warp.ShuffleXor(l.Z, 2), l.W + Warp.ShuffleXor(l.W, 2));
        l = new Float4(l.X + Warp.ShuffleXor(l.X, 4), l.Y + Warp.ShuffleXor(l.Y, 4), l.Z + Warp.ShuffleXor(l.Z, 4), l.W + Warp.ShuffleXor(l.W, 4));
        if (sixteenLanes)
            l = new Float4(l.X + Warp.ShuffleXor(l.X, 8), l.Y + Warp.ShuffleXor(l.Y, 8), l.Z + Warp.ShuffleXor(l.Z, 8), l.W + Warp.ShuffleXor(l.W, 8));
        return l;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 MaxOverLanes(Float4 m, bool sixteenLanes)
    {
        m = new Float4(XMath.Max(m.X, Warp.ShuffleXor(m.X, 1)), XMath.Max(m.Y, Warp.ShuffleXor(m.Y, 1)), XMath.Max(m.Z, Warp.ShuffleXor(m.Z, 1)), XMath.Max(m.W, Warp.ShuffleXor(m.W, 1)));
        m = new Float4(XMath.Max(m.X, Warp.ShuffleXor(m.X, 2)), XMath.Max(m.Y, Warp.ShuffleXor(m.Y, 2)), XMath.Max(m.Z, Warp.ShuffleXor(m.Z, 2)), XMath.Max(m.W, Warp.ShuffleXor(m.W, 2)));
        m = new Float4(XMath.Max(m.X, Warp.ShuffleXor(m.X, 4)), XMath.Max(m.Y, Warp.ShuffleXor(m.Y, 4)), XMath.Max(m.Z, Warp.ShuffleXor(m.Z, 4)), XMath.Max(m.W, Warp.ShuffleXor(m.W, 4)));
        if (sixteenLanes)
            m = new Float4(XMath.Max(m.X, Warp.ShuffleXor(m.X, 8)), XMath.Max(m.Y, Warp.ShuffleXor(m.Y, 8)), XMath.Max(m.Z, Warp.ShuffleXor(m.Z, 8)), XMath.Max(m.W, Warp.ShuffleXor(m.W, 8)));
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finite(float m) => m == float.NegativeInfinity ? 0f : m;
}
