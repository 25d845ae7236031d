using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The tensor-core backward kernels on the ILGPU CPU accelerator (every mma.sync emulated lane by lane from the registers the
/// PTX receives) against the double-precision gradient of the inputs the kernel sees (rounded to bf16 / fp16). The kernel gets
/// the reference O and lse, so the error measured is the backward's own. Tolerances (docs/gpu-kernels.md, "Tensor-core
/// backward"): P^T and dS^T are rounded once to the input format before their products (relative error at most u), so each
/// gradient element is off by at most u times the sum of its terms' magnitudes (<see cref="Magnitudes"/>), plus the fp32
/// kernels' accumulation tolerance.
/// </summary>
public sealed class TensorCoreBackwardTests(BackendFixture backends)
{
    public static TheoryData<MmaPrecision, int, bool, int> Cases()
    {
        var data = new TheoryData<MmaPrecision, int, bool, int>();
        foreach (var precision in new[] { MmaPrecision.Bf16, MmaPrecision.Fp16, MmaPrecision.Tf32x3 })
            foreach (int d in new[] { 64, 128 })
                foreach (bool causal in new[] { false, true })
                    if (IlgpuBackend.SupportsMmaBackward(precision, d))
                        data.Add(precision, d, causal, causal ? 130 : 70);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IlgpuCpuBackward_MatchesReferenceGradient_WithinDtypeTolerance(MmaPrecision precision, int d, bool causal, int n)
    {
        // n = 70: a full 64-key tile and a partial one, four full 16-query tiles and a partial one; n = 130 (causal): three key
        // tiles whose diagonals cross four query tiles each, and a last key tile of two keys (3xTF32 at d = 128: 32-key tiles, the
        // last of 6 or 2 keys). Two slices check the segment offsets.
        var shape = new AttentionShape(2, 1, n, d);
        var inputs = TestData.Make(shape, (ulong)(n * 11 + d));
        var q = TensorCoreHost.Rounded(precision, inputs.Q);
        var k = TensorCoreHost.Rounded(precision, inputs.K);
        var v = TensorCoreHost.Rounded(precision, inputs.V);
        var dO = TensorCoreHost.Rounded(precision, inputs.DO);
        var segments = AttentionSegment.PerSlice(shape, causal);
        int rows = shape.RowsLength;
        var forward = ReferenceAttention.Forward(segments, d, shape.Scale, q, k, v, default, rows);
        var expected = ReferenceAttention.Backward(segments, d, shape.Scale, q, k, v, default, dO, rows, rows);
        var (dq, dk, dv) = TensorCoreHost.Backward(backends, precision, segments, d, (float)shape.Scale, rows, inputs.Q, inputs.K, inputs.V, null,
            ToFloat(forward.O), ToFloat(forward.Lse), inputs.DO);

        var bound = Magnitudes(segments, d, shape.Scale, q, k, v, dO, null, forward, rows);
        Check(precision, dq, expected.DQ, bound.DQ, "dQ", $"{precision} d={d} causal={causal} n={n}");
        Check(precision, dk, expected.DK, bound.DK, "dK", $"{precision} d={d} causal={causal} n={n}");
        Check(precision, dv, expected.DV, bound.DV, "dV", $"{precision} d={d} causal={causal} n={n}");
    }

    /// <summary>
    /// HyperAttention's use: segments with their own query and key ranges, a per-key bias with -inf keys, a segment whose every
    /// key is masked (its rows get no gradient, never NaN) and a causal segment with more keys than queries.
    /// </summary>
    [Theory]
    [InlineData(MmaPrecision.Bf16, 64)]
    [InlineData(MmaPrecision.Fp16, 64)]
    [InlineData(MmaPrecision.Tf32x3, 64)]
    [InlineData(MmaPrecision.Bf16, 128)]
    [InlineData(MmaPrecision.Fp16, 128)]
    [InlineData(MmaPrecision.Tf32x3, 128)]
    public void IlgpuCpuBackward_SegmentsWithBiasAndMaskedRows_MatchReferenceGradient(MmaPrecision precision, int d)
    {
        const int n = 70;
        var shape = new AttentionShape(1, 1, n, d);
        var inputs = TestData.Make(shape, 19);
        var q = TensorCoreHost.Rounded(precision, inputs.Q);
        var k = TensorCoreHost.Rounded(precision, inputs.K);
        var v = TensorCoreHost.Rounded(precision, inputs.V);
        var dO = TensorCoreHost.Rounded(precision, inputs.DO);
        var bias = new float[n];
        for (int j = 0; j < n; j++) bias[j] = j >= 40 || j % 7 == 3 ? float.NegativeInfinity : 0.05f * (j % 11) - 0.25f;
        var segments = new[] { new AttentionSegment(0, 40, 40, 30, 0), new AttentionSegment(40, 30, 0, 37, 1) };
        var forward = ReferenceAttention.Forward(segments, d, shape.Scale, q, k, v, bias, n);
        var expected = ReferenceAttention.Backward(segments, d, shape.Scale, q, k, v, bias, dO, n, n);
        var (dq, dk, dv) = TensorCoreHost.Backward(backends, precision, segments, d, (float)shape.Scale, n, inputs.Q, inputs.K, inputs.V, bias,
            ToFloat(forward.O), ToFloat(forward.Lse), inputs.DO);

        Assert.All(dq.AsSpan(0, 40 * d).ToArray(), x => Assert.Equal(0f, x));
        Assert.DoesNotContain(dq, float.IsNaN);
        Assert.DoesNotContain(dk, float.IsNaN);
        Assert.DoesNotContain(dv, float.IsNaN);
        var bound = Magnitudes(segments, d, shape.Scale, q, k, v, dO, bias, forward, n);
        Check(precision, dq, expected.DQ, bound.DQ, "dQ", $"{precision} d={d} segments");
        Check(precision, dk, expected.DK, bound.DK, "dK", $"{precision} d={d} segments");
        Check(precision, dv, expected.DV, bound.DV, "dV", $"{precision} d={d} segments");
    }

    [Fact]
    public void BackwardMma_UnknownPrecision_ThrowsRatherThanComputingSomethingElse()
    {
        var precision = (MmaPrecision)7;
        Assert.False(IlgpuBackend.SupportsMmaBackward(precision, 64));
        var backend = (IlgpuBackend)backends.IlgpuCpu;
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan([new AttentionSegment(0, 8, 0, 8, 0)], 64, 0.1f);
            using var x = backend.Allocate(8 * 64);
            Assert.Throws<ArgumentOutOfRangeException>(() => ((ITensorCorePlan)plan).BackwardMma(precision, x, x, x, null, x, x, x, x, x, x));
        }
    }

    /// <summary>
    /// |error| &lt;= u · max(bound) + the fp32 kernels' tolerance (1e-5 + 2e-5 max|G|): u = 2^-8 (bf16) and 2^-11 (fp16) for the
    /// one rounding of P^T or dS^T; 3xTF32 gets the fp32 tolerance alone.
    /// </summary>
    private static void Check(MmaPrecision precision, float[] actual, double[] expected, double[] bound, string name, string label)
    {
        double u = precision switch
        {
            MmaPrecision.Bf16 => Math.Pow(2, -8),
            MmaPrecision.Fp16 => Math.Pow(2, -11),
            _ => 0,
        };
        double tolerance = u * TestData.MaxAbs(bound) + 1e-5 + 2e-5 * TestData.MaxAbs(expected);
        double error = TestData.MaxAbsDiff(actual, expected);
        TestContext.Current.TestOutputHelper?.WriteLine($"{label}: {name} max abs error {error:E2} (tolerance {tolerance:E2}, max |{name}| {TestData.MaxAbs(expected):E2})");
        Assert.True(error <= tolerance, $"{label}: {name} max abs error {error:E2} > {tolerance:E2}");
    }

    /// <summary>
    /// The sums of the magnitudes of each gradient element's terms, in double precision: dV_j += P_ij |dO_i|,
    /// dK_j += scale |dS_ij| |q_i|, dQ_i += scale |dS_ij| |k_j|. Rounding P or dS by a relative u moves an element by at most u times this.
    /// </summary>
    private static ReferenceAttention.Gradients Magnitudes(IReadOnlyList<AttentionSegment> segments, int d, double scale, float[] q, float[] k,
        float[] v, float[] dO, float[]? bias, ReferenceAttention.Result forward, int rows)
    {
        var dq = new double[rows * d];
        var dk = new double[rows * d];
        var dv = new double[rows * d];
        foreach (var seg in segments)
        {
            for (int i = 0; i < seg.QueryCount; i++)
            {
                int qi = seg.QueryStart + i;
                double lse = forward.Lse[qi];
                if (double.IsNegativeInfinity(lse)) continue;
                double rowDot = 0;
                for (int c = 0; c < d; c++) rowDot += dO[qi * d + c] * forward.O[qi * d + c];
                for (int j = 0; j < seg.KeyCount; j++)
                {
                    int kj = seg.KeyStart + j;
                    if (seg.Causal != 0 && j > i) continue;
                    if (bias is not null && float.IsNegativeInfinity(bias[kj])) continue;
                    double dot = 0, dp = 0;
                    for (int c = 0; c < d; c++)
                    {
                        dot += (double)q[qi * d + c] * k[kj * d + c];
                        dp += (double)dO[qi * d + c] * v[kj * d + c];
                    }
                    double p = Math.Exp(scale * dot + (bias is null ? 0 : bias[kj]) - lse);
                    double ds = Math.Abs(p * (dp - rowDot));
                    for (int c = 0; c < d; c++)
                    {
                        dv[kj * d + c] += p * Math.Abs(dO[qi * d + c]);
                        dk[kj * d + c] += scale * ds * Math.Abs(q[qi * d + c]);
                        dq[qi * d + c] += scale * ds * Math.Abs(k[kj * d + c]);
                    }
                }
            }
        }
        return new ReferenceAttention.Gradients(dq, dk, dv);
    }

    private static float[] ToFloat(double[] x) => x.Select(e => (float)e).ToArray();
}
