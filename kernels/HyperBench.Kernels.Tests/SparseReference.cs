namespace HyperBench.Kernels.Tests;

/// <summary>
/// Attention over an explicit sparse pattern in double precision: query i attends to its listed (key, log-weight) terms,
/// p_ij = w_j exp(s_ij - lse_i) (docs/algorithms.md section 3, backward). The independent check of HyperAttention's forward and
/// of its exact gradient; it knows nothing of blocks, sorting or plans.
/// </summary>
internal static class SparseReference
{
    public sealed record Result(double[] O, double[] Lse, double[]? DQ, double[]? DK, double[]? DV);

    public static Result Run(IEnumerable<(int Query, int Key, float LogWeight)> entries, int rows, int d, double scale,
        float[] q, float[] k, float[] v, float[]? dO)
    {
        var list = entries.ToArray();
        var max = new double[rows];
        Array.Fill(max, double.NegativeInfinity);
        foreach (var (i, j, w) in list) max[i] = Math.Max(max[i], Score(i, j, w, d, scale, q, k));
        var sum = new double[rows];
        var o = new double[(long)rows * d];
        foreach (var (i, j, w) in list)
        {
            double p = Math.Exp(Score(i, j, w, d, scale, q, k) - max[i]);
            sum[i] += p;
            for (int c = 0; c < d; c++) o[(long)i * d + c] += p * v[(long)j * d + c];
        }
        var lse = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            lse[i] = sum[i] > 0 ? max[i] + Math.Log(sum[i]) : double.NegativeInfinity;
            for (int c = 0; c < d; c++) o[(long)i * d + c] = sum[i] > 0 ? o[(long)i * d + c] / sum[i] : 0;
        }
        if (dO is null) return new Result(o, lse, null, null, null);

        var rowDot = new double[rows];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < d; c++) rowDot[i] += dO[(long)i * d + c] * o[(long)i * d + c];
        var dq = new double[(long)rows * d];
        var dk = new double[(long)rows * d];
        var dv = new double[(long)rows * d];
        foreach (var (i, j, w) in list)
        {
            double p = Math.Exp(Score(i, j, w, d, scale, q, k) - lse[i]);
            double dp = 0;
            for (int c = 0; c < d; c++) dp += dO[(long)i * d + c] * v[(long)j * d + c];
            double ds = p * (dp - rowDot[i]);
            for (int c = 0; c < d; c++)
            {
                dv[(long)j * d + c] += p * dO[(long)i * d + c];
                dq[(long)i * d + c] += scale * ds * k[(long)j * d + c];
                dk[(long)j * d + c] += scale * ds * q[(long)i * d + c];
            }
        }
        return new Result(o, lse, dq, dk, dv);
    }

    /// <summary>
    /// The authors' gradient rule (detached-lse, docs/variants.md) in double precision: the terms are grouped into the pieces
    /// the authors merge by lse (an exact leaf, a block-diagonal part, a sampled part); O_k and lse_k per (query, piece), the
    /// merged lse = logsumexp_k lse_k and O = sum_k exp(lse_k - lse) O_k. The merge weights are constants, so each term gets
    /// p_ij = w_j exp(s_ij - lse_i) and dS_ij = p_ij (dO_i . v_j - dO_i . O_k,i) with its OWN piece's O_k.
    /// </summary>
    public static Result RunDetached(IEnumerable<(int Query, int Key, float LogWeight, int Piece)> entries, int rows, int d, double scale,
        float[] q, float[] k, float[] v, float[] dO)
    {
        var list = entries.ToArray();
        var max = new Dictionary<(int, int), double>();
        foreach (var (i, j, w, piece) in list)
            max[(i, piece)] = Math.Max(max.GetValueOrDefault((i, piece), double.NegativeInfinity), Score(i, j, w, d, scale, q, k));
        var sum = new Dictionary<(int, int), double>();
        var pieceO = new Dictionary<(int, int), double[]>();
        foreach (var (i, j, w, piece) in list)
        {
            double p = Math.Exp(Score(i, j, w, d, scale, q, k) - max[(i, piece)]);
            sum[(i, piece)] = sum.GetValueOrDefault((i, piece)) + p;
            if (!pieceO.TryGetValue((i, piece), out var acc)) pieceO[(i, piece)] = acc = new double[d];
            for (int c = 0; c < d; c++) acc[c] += p * v[(long)j * d + c];
        }
        var pieceLse = new Dictionary<(int, int), double>();
        foreach (var (key, acc) in pieceO)
        {
            for (int c = 0; c < d; c++) acc[c] /= sum[key];
            pieceLse[key] = max[key] + Math.Log(sum[key]);
        }
        var lse = new double[rows];
        Array.Fill(lse, double.NegativeInfinity);
        foreach (var ((i, _), l) in pieceLse)
        {
            double m = Math.Max(lse[i], l);
            lse[i] = m + Math.Log(Math.Exp(lse[i] - m) + Math.Exp(l - m));
        }
        var o = new double[(long)rows * d];
        foreach (var ((i, piece), acc) in pieceO)
        {
            double c0 = Math.Exp(pieceLse[(i, piece)] - lse[i]);
            for (int c = 0; c < d; c++) o[(long)i * d + c] += c0 * acc[c];
        }
        var pieceDot = new Dictionary<(int, int), double>();
        foreach (var ((i, piece), acc) in pieceO)
        {
            double dot = 0;
            for (int c = 0; c < d; c++) dot += dO[(long)i * d + c] * acc[c];
            pieceDot[(i, piece)] = dot;
        }
        var dq = new double[(long)rows * d];
        var dk = new double[(long)rows * d];
        var dv = new double[(long)rows * d];
        foreach (var (i, j, w, piece) in list)
        {
            double p = Math.Exp(Score(i, j, w, d, scale, q, k) - lse[i]);
            double dp = 0;
            for (int c = 0; c < d; c++) dp += dO[(long)i * d + c] * v[(long)j * d + c];
            double ds = p * (dp - pieceDot[(i, piece)]);
            for (int c = 0; c < d; c++)
            {
                dv[(long)j * d + c] += p * dO[(long)i * d + c];
                dq[(long)i * d + c] += scale * ds * k[(long)j * d + c];
                dk[(long)j * d + c] += scale * ds * q[(long)i * d + c];
            }
        }
        return new Result(o, lse, dq, dk, dv);
    }

    private static double Score(int i, int j, float logWeight, int d, double scale, float[] q, float[] k)
    {
        double dot = 0;
        for (int c = 0; c < d; c++) dot += (double)q[(long)i * d + c] * k[(long)j * d + c];
        return scale * dot + logWeight;
    }
}
