using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// Plain, obviously-correct attention in double precision (docs/algorithms.md section 1): the full score row of each query,
/// max-subtracted softmax. For tests and accuracy checks at small n only.
/// </summary>
public static class ReferenceAttention
{
    public sealed record Result(double[] O, double[] Lse);

    public sealed record Gradients(double[] DQ, double[] DK, double[] DV);

    public static Result Forward(AttentionShape shape, bool causal, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v) =>
        Forward(AttentionSegment.PerSlice(shape, causal), shape.D, shape.Scale, q, k, v, default, shape.RowsLength);

    public static Result Forward(IReadOnlyList<AttentionSegment> segments, int d, double scale,
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> keyBias, int queryRows)
    {
        var o = new double[(long)queryRows * d];
        var lse = new double[queryRows];
        Array.Fill(lse, double.NegativeInfinity);
        foreach (var seg in segments)
        {
            var scores = new double[seg.KeyCount];
            for (int i = 0; i < seg.QueryCount; i++)
            {
                int qi = seg.QueryStart + i;
                double max = double.NegativeInfinity;
                for (int j = 0; j < seg.KeyCount; j++)
                {
                    scores[j] = Score(seg, i, j, d, scale, q, k, keyBias);
                    if (scores[j] > max) max = scores[j];
                }
                if (double.IsNegativeInfinity(max)) continue; // a row that sees no key: O = 0, lse = -inf
                double sum = 0;
                for (int j = 0; j < seg.KeyCount; j++) sum += Math.Exp(scores[j] - max);
                lse[qi] = max + Math.Log(sum);
                for (int j = 0; j < seg.KeyCount; j++)
                {
                    double p = Math.Exp(scores[j] - lse[qi]);
                    if (p == 0) continue;
                    int vj = seg.KeyStart + j;
                    for (int c = 0; c < d; c++) o[(long)qi * d + c] += p * v[vj * d + c];
                }
            }
        }
        return new Result(o, lse);
    }

    public static Gradients Backward(AttentionShape shape, bool causal, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        ReadOnlySpan<float> dO) =>
        Backward(AttentionSegment.PerSlice(shape, causal), shape.D, shape.Scale, q, k, v, default, dO, shape.RowsLength, shape.RowsLength);

    /// <summary>The exact gradient of <see cref="Forward(IReadOnlyList{AttentionSegment}, int, double, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, int)"/>, through the softmax.</summary>
    public static Gradients Backward(IReadOnlyList<AttentionSegment> segments, int d, double scale,
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> keyBias, ReadOnlySpan<float> dO,
        int queryRows, int keyRows)
    {
        var fwd = Forward(segments, d, scale, q, k, v, keyBias, queryRows);
        var dq = new double[(long)queryRows * d];
        var dk = new double[(long)keyRows * d];
        var dv = new double[(long)keyRows * d];
        foreach (var seg in segments)
        {
            for (int i = 0; i < seg.QueryCount; i++)
            {
                int qi = seg.QueryStart + i;
                double lse = fwd.Lse[qi];
                if (double.IsNegativeInfinity(lse)) continue;
                double rowDot = 0; // D_i = dO_i . O_i
                for (int c = 0; c < d; c++) rowDot += dO[qi * d + c] * fwd.O[(long)qi * d + c];
                for (int j = 0; j < seg.KeyCount; j++)
                {
                    double s = Score(seg, i, j, d, scale, q, k, keyBias);
                    if (double.IsNegativeInfinity(s)) continue;
                    double p = Math.Exp(s - lse);
                    int kj = seg.KeyStart + j;
                    double dp = 0;
                    for (int c = 0; c < d; c++) dp += dO[qi * d + c] * v[kj * d + c];
                    double ds = p * (dp - rowDot);
                    for (int c = 0; c < d; c++)
                    {
                        dv[(long)kj * d + c] += p * dO[qi * d + c];
                        dq[(long)qi * d + c] += scale * ds * k[kj * d + c];
                        dk[(long)kj * d + c] += scale * ds * q[qi * d + c];
                    }
                }
            }
        }
        return new Gradients(dq, dk, dv);
    }

    private static double Score(AttentionSegment seg, int i, int j, int d, double scale, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> keyBias)
    {
        if (seg.Causal != 0 && j > i) return double.NegativeInfinity;
        int qi = seg.QueryStart + i, kj = seg.KeyStart + j;
        double dot = 0;
        for (int c = 0; c < d; c++) dot += (double)q[qi * d + c] * k[kj * d + c];
        double s = scale * dot;
        if (!keyBias.IsEmpty) s += keyBias[kj];
        return s;
    }
}
