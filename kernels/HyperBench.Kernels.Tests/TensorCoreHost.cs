using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>Runs the tensor-core forward on the ILGPU CPU accelerator (through its mma emulation) and rounds inputs to the precision.</summary>
internal static class TensorCoreHost
{
    /// <summary>The inputs as the kernel sees them: rounded to bf16 / fp16 (and back to fp32) or, for 3xTF32, unchanged.</summary>
    public static float[] Rounded(MmaPrecision precision, float[] x) => precision switch
    {
        MmaPrecision.Bf16 => x.Select(v => NarrowFloat.FromBf16(NarrowFloat.ToBf16(v))).ToArray(),
        MmaPrecision.Fp16 => x.Select(v => NarrowFloat.FromFp16(NarrowFloat.ToFp16(v))).ToArray(),
        _ => x,
    };

    /// <summary>O and lse of one plan over <paramref name="segments"/> (rows x d tensors, a per-key bias) at <paramref name="precision"/>.</summary>
    public static (float[] O, float[] Lse) Forward(BackendFixture backends, MmaPrecision precision, IReadOnlyList<AttentionSegment> segments,
        int d, float scale, int rows, float[] q, float[] k, float[] v, float[]? bias)
    {
        var backend = (IlgpuBackend)backends.IlgpuCpu;
        var o = new float[rows * d];
        var lse = new float[rows];
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan(segments, d, scale);
            using var tq = Upload(backend, precision, q);
            using var tk = Upload(backend, precision, k);
            using var tv = Upload(backend, precision, v);
            using var tb = bias is null ? null : backend.Upload(bias);
            using var to = backend.Allocate(rows * d);
            using var tl = backend.Allocate(rows);
            ((ITensorCorePlan)plan).ForwardMma(precision, tq, tk, tv, tb, to, tl);
            backend.Synchronize();
            backend.Download(to, o);
            backend.Download(tl, lse);
        }
        return (o, lse);
    }

    /// <summary>
    /// dQ, dK, dV of one plan at <paramref name="precision"/>, from the given O and lse (fp32) and dO (stored like q, k, v):
    /// the tensor-core backward alone, so its error is not mixed with the forward's.
    /// </summary>
    public static (float[] DQ, float[] DK, float[] DV) Backward(BackendFixture backends, MmaPrecision precision, IReadOnlyList<AttentionSegment> segments,
        int d, float scale, int rows, float[] q, float[] k, float[] v, float[]? bias, float[] o, float[] lse, float[] dO)
    {
        var backend = (IlgpuBackend)backends.IlgpuCpu;
        var dq = new float[rows * d];
        var dk = new float[rows * d];
        var dv = new float[rows * d];
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan(segments, d, scale);
            using var tq = Upload(backend, precision, q);
            using var tk = Upload(backend, precision, k);
            using var tv = Upload(backend, precision, v);
            using var tdo = Upload(backend, precision, dO);
            using var tb = bias is null ? null : backend.Upload(bias);
            using var to = backend.Upload(o);
            using var tl = backend.Upload(lse);
            using var tdq = backend.Allocate(rows * d);
            using var tdk = backend.Allocate(rows * d);
            using var tdv = backend.Allocate(rows * d);
            ((ITensorCorePlan)plan).BackwardMma(precision, tq, tk, tv, tb, to, tl, tdo, tdq, tdk, tdv);
            backend.Synchronize();
            backend.Download(tdq, dq);
            backend.Download(tdk, dk);
            backend.Download(tdv, dv);
        }
        return (dq, dk, dv);
    }

    private static IDeviceTensor Upload(IlgpuBackend backend, MmaPrecision precision, float[] x) => precision switch
    {
        MmaPrecision.Bf16 => backend.Upload16(x.Select(NarrowFloat.ToBf16).ToArray()),
        MmaPrecision.Fp16 => backend.Upload16(x.Select(NarrowFloat.ToFp16).ToArray()),
        _ => backend.Upload(x),
    };

    /// <summary>
    /// O = sum_j p_j v_j / l with l from the fp32 P and the P of P V rounded once to the input format (relative error at most
    /// u): |dO| &lt;= u max|v|. bf16 u = 2^-8, fp16 u = 2^-11; 3xTF32 is fp32-like (the fp32 kernels' 1e-5). Plus 1e-5 for the
    /// fp32 accumulation.
    /// </summary>
    public static double OTolerance(MmaPrecision precision, float[] v)
    {
        double maxV = v.Max(x => Math.Abs(x));
        return precision switch
        {
            MmaPrecision.Bf16 => Math.Pow(2, -8) * maxV + 1e-5,
            MmaPrecision.Fp16 => Math.Pow(2, -11) * maxV + 1e-5,
            _ => 1e-5,
        };
    }

    /// <summary>lse depends only on S, accumulated in fp32 from exact products of the (rounded) inputs at every precision.</summary>
    public const double LseTolerance = 1e-5;

    /// <summary>The unit roundoff of the one rounding of P^T or dS^T before their products: 2^-8 (bf16), 2^-11 (fp16), 0 for 3xTF32.</summary>
    public static double GradientUnit(MmaPrecision precision) => precision switch
    {
        MmaPrecision.Bf16 => Math.Pow(2, -8),
        MmaPrecision.Fp16 => Math.Pow(2, -11),
        _ => 0,
    };

    /// <summary>
    /// |error| &lt;= u · max(bound) + the fp32 kernels' tolerance (1e-5 + 2e-5 max|G|), u from <see cref="GradientUnit"/>: 3xTF32
    /// gets the fp32 tolerance alone.
    /// </summary>
    public static void CheckGradient(MmaPrecision precision, float[] actual, double[] expected, double[] bound, string name, string label)
    {
        double tolerance = GradientUnit(precision) * TestData.MaxAbs(bound) + 1e-5 + 2e-5 * TestData.MaxAbs(expected);
        double error = TestData.MaxAbsDiff(actual, expected);
        TestContext.Current.TestOutputHelper?.WriteLine($"{label}: {name} max abs error {error:E2} (tolerance {tolerance:E2}, max |{name}| {TestData.MaxAbs(expected):E2})");
        Assert.True(error <= tolerance, $"{label}: {name} max abs error {error:E2} > {tolerance:E2}");
    }

    /// <summary>The terms (query, key, log-weight) of dense segments with an optional per-key bias: what <see cref="Magnitudes"/> sums over.</summary>
    public static IEnumerable<(int Query, int Key, float LogWeight)> Entries(IReadOnlyList<AttentionSegment> segments, float[]? bias)
    {
        foreach (var seg in segments)
            for (int i = 0; i < seg.QueryCount; i++)
                for (int j = 0; j < seg.KeyCount; j++)
                {
                    int kj = seg.KeyStart + j;
                    if (seg.Causal != 0 && j > i) continue;
                    if (bias is not null && float.IsNegativeInfinity(bias[kj])) continue;
                    yield return (seg.QueryStart + i, kj, bias is null ? 0f : bias[kj]);
                }
    }

    /// <summary>
    /// The sums of the magnitudes of each gradient element's terms, in double precision: dV_j += P_ij |dO_i|,
    /// dK_j += scale |dS_ij| |q_i|, dQ_i += scale |dS_ij| |k_j|. Rounding P or dS by a relative u moves an element by at most u times this.
    /// </summary>
    public static ReferenceAttention.Gradients Magnitudes(IEnumerable<(int Query, int Key, float LogWeight)> entries, int rows, int d, double scale,
        float[] q, float[] k, float[] v, float[] dO, double[] o, double[] lse)
    {
        var dq = new double[rows * d];
        var dk = new double[rows * d];
        var dv = new double[rows * d];
        var rowDot = new double[rows];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < d; c++) rowDot[i] += dO[i * d + c] * o[i * d + c];
        foreach (var (qi, kj, w) in entries)
        {
            if (double.IsNegativeInfinity(lse[qi])) continue;
            double dot = 0, dp = 0;
            for (int c = 0; c < d; c++)
            {
                dot += (double)q[qi * d + c] * k[kj * d + c];
                dp += (double)dO[qi * d + c] * v[kj * d + c];
            }
            double p = Math.Exp(scale * dot + w - lse[qi]);
            double ds = Math.Abs(p * (dp - rowDot[qi]));
            for (int c = 0; c < d; c++)
            {
                dv[kj * d + c] += p * Math.Abs(dO[qi * d + c]);
                dk[kj * d + c] += scale * ds * Math.Abs(q[qi * d + c]);
                dq[qi * d + c] += scale * ds * Math.Abs(k[kj * d + c]);
            }
        }
        return new ReferenceAttention.Gradients(dq, dk, dv);
    }

    /// <summary>
    /// The exact gradient given the O the backward read, when that is the tensor-core forward's (end to end) rather than the
    /// reference's: D_i = dO_i . O_i moves by ΔD_i = dO_i . (O_i - O_ref,i), so dS_ij by -P_ij ΔD_i, dQ_i by -scale Σ_j P_ij ΔD_i k_j
    /// and dK_j by -scale Σ_i P_ij ΔD_i q_i (dV does not read D). Computed in double, so the check stays the backward's own.
    /// </summary>
    public static ReferenceAttention.Gradients GivenForwardO(ReferenceAttention.Gradients exact, IEnumerable<(int Query, int Key, float LogWeight)> entries,
        int d, double scale, float[] q, float[] k, float[] dO, double[] referenceO, double[] lse, float[] forwardO)
    {
        var dq = (double[])exact.DQ.Clone();
        var dk = (double[])exact.DK.Clone();
        var shift = new double[lse.Length];
        for (int i = 0; i < shift.Length; i++)
            for (int c = 0; c < d; c++) shift[i] += (double)dO[i * d + c] * (forwardO[i * d + c] - referenceO[i * d + c]);
        foreach (var (qi, kj, w) in entries)
        {
            if (double.IsNegativeInfinity(lse[qi])) continue;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += (double)q[qi * d + c] * k[kj * d + c];
            double dsShift = -Math.Exp(scale * dot + w - lse[qi]) * shift[qi] * scale;
            for (int c = 0; c < d; c++)
            {
                dq[qi * d + c] += dsShift * k[kj * d + c];
                dk[kj * d + c] += dsShift * q[qi * d + c];
            }
        }
        return new ReferenceAttention.Gradients(dq, dk, exact.DV);
    }
}
