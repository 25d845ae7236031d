using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// One lane's share of a warp's 16 x 32 score tile (four 16x8 accumulators, keys 8n..8n+7 in <c>Sn</c>) and the online
/// softmax of its two rows (g and g+8, see <see cref="FragC"/>), in base 2. A row's 32 scores are spread over the four lanes
/// of a quad (t = 0..3): the running max is made equal on them by two shuffles; each lane keeps its own share of the running
/// sum, and the shares are added once at the end.
/// </summary>
internal struct MmaRows
{
    public FragC S0, S1, S2, S3;
    public float MTop, MBottom, LTop, LBottom;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MmaRows Start() => new() { MTop = float.NegativeInfinity, MBottom = float.NegativeInfinity };

    /// <summary>Scores to base 2 with the key bias: s·f + bias (bias already times log2 e; -inf for keys past the segment).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Affine(float f, in Float2 b0, in Float2 b1, in Float2 b2, in Float2 b3)
    {
        S0.C0 = S0.C0 * f + b0.X; S0.C1 = S0.C1 * f + b0.Y; S0.C2 = S0.C2 * f + b0.X; S0.C3 = S0.C3 * f + b0.Y;
        S1.C0 = S1.C0 * f + b1.X; S1.C1 = S1.C1 * f + b1.Y; S1.C2 = S1.C2 * f + b1.X; S1.C3 = S1.C3 * f + b1.Y;
        S2.C0 = S2.C0 * f + b2.X; S2.C1 = S2.C1 * f + b2.Y; S2.C2 = S2.C2 * f + b2.X; S2.C3 = S2.C3 * f + b2.Y;
        S3.C0 = S3.C0 * f + b3.X; S3.C1 = S3.C1 * f + b3.Y; S3.C2 = S3.C2 * f + b3.X; S3.C3 = S3.C3 * f + b3.Y;
    }

    /// <summary>Causal mask: key key0 + 8n + e (this lane's column e of tile n) is hidden from a row below it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void MaskCausal(int rowTop, int key0)
    {
        float n = float.NegativeInfinity;
        int dt = key0 - rowTop, db = dt - 8;
        if (dt + 0 > 0) S0.C0 = n; if (dt + 1 > 0) S0.C1 = n; if (db + 0 > 0) S0.C2 = n; if (db + 1 > 0) S0.C3 = n;
        if (dt + 8 > 0) S1.C0 = n; if (dt + 9 > 0) S1.C1 = n; if (db + 8 > 0) S1.C2 = n; if (db + 9 > 0) S1.C3 = n;
        if (dt + 16 > 0) S2.C0 = n; if (dt + 17 > 0) S2.C1 = n; if (db + 16 > 0) S2.C2 = n; if (db + 17 > 0) S2.C3 = n;
        if (dt + 24 > 0) S3.C0 = n; if (dt + 25 > 0) S3.C1 = n; if (db + 24 > 0) S3.C2 = n; if (db + 25 > 0) S3.C3 = n;
    }

    /// <summary>
    /// Folds the tile in: the scores become P = 2^(s - m_new), and the returned factors 2^(m_old - m_new) (in <paramref name="alphaTop"/>,
    /// <paramref name="alphaBottom"/>) rescale the output accumulator. A row with no visible key so far keeps m = -inf and gets P = 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(out float alphaTop, out float alphaBottom)
    {
        float mt = Max4(Max2(S0.C0, S0.C1), Max2(S1.C0, S1.C1), Max2(S2.C0, S2.C1), Max2(S3.C0, S3.C1));
        float mb = Max4(Max2(S0.C2, S0.C3), Max2(S1.C2, S1.C3), Max2(S2.C2, S2.C3), Max2(S3.C2, S3.C3));
        mt = XMath.Max(mt, Warp.ShuffleXor(mt, 1));
        mb = XMath.Max(mb, Warp.ShuffleXor(mb, 1));
        mt = XMath.Max(mt, Warp.ShuffleXor(mt, 2));
        mb = XMath.Max(mb, Warp.ShuffleXor(mb, 2));
        float newTop = XMath.Max(MTop, mt), newBottom = XMath.Max(MBottom, mb);
        float ut = Finite(newTop), ub = Finite(newBottom);
        alphaTop = XMath.Exp2(MTop - ut);
        alphaBottom = XMath.Exp2(MBottom - ub);
        S0.C0 = XMath.Exp2(S0.C0 - ut); S0.C1 = XMath.Exp2(S0.C1 - ut); S0.C2 = XMath.Exp2(S0.C2 - ub); S0.C3 = XMath.Exp2(S0.C3 - ub);
        S1.C0 = XMath.Exp2(S1.C0 - ut); S1.C1 = XMath.Exp2(S1.C1 - ut); S1.C2 = XMath.Exp2(S1.C2 - ub); S1.C3 = XMath.Exp2(S1.C3 - ub);
        S2.C0 = XMath.Exp2(S2.C0 - ut); S2.C1 = XMath.Exp2(S2.C1 - ut); S2.C2 = XMath.Exp2(S2.C2 - ub); S2.C3 = XMath.Exp2(S2.C3 - ub);
        S3.C0 = XMath.Exp2(S3.C0 - ut); S3.C1 = XMath.Exp2(S3.C1 - ut); S3.C2 = XMath.Exp2(S3.C2 - ub); S3.C3 = XMath.Exp2(S3.C3 - ub);
        LTop = LTop * alphaTop + (S0.C0 + S0.C1 + S1.C0 + S1.C1 + S2.C0 + S2.C1 + S3.C0 + S3.C1);
        LBottom = LBottom * alphaBottom + (S0.C2 + S0.C3 + S1.C2 + S1.C3 + S2.C2 + S2.C3 + S3.C2 + S3.C3);
        MTop = newTop;
        MBottom = newBottom;
    }

    /// <summary>The full row sums (the four lanes' shares added).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Totals(out float top, out float bottom)
    {
        top = LTop + Warp.ShuffleXor(LTop, 1);
        bottom = LBottom + Warp.ShuffleXor(LBottom, 1);
        top += Warp.ShuffleXor(top, 2);
        bottom += Warp.ShuffleXor(bottom, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max2(float a, float b) => XMath.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Max4(float a, float b, float c, float d) => XMath.Max(XMath.Max(a, b), XMath.Max(c, d));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finite(float m) => m == float.NegativeInfinity ? 0f : m;
}
