using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The tensor-core backward kernels on the ILGPU CPU accelerator (every mma.sync emulated lane by lane from the registers the
/// PTX receives) against the double-precision gradient of the inputs the kernel sees (rounded to bf16 / fp16). The kernel gets
/// the reference O and lse, so the error measured is the backward's own. Tolerances (docs/gpu-kernels.md, "Tensor-core
/// backward"): P^T and dS^T are rounded once to the input format before their products (relative error at most u), so each
/// gradient element is off by at most u times the sum of its terms' magnitudes (<see cref="TensorCoreHost.Magnitudes"/>), plus the fp32
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

        var bound = TensorCoreHost.Magnitudes(TensorCoreHost.Entries(segments, null), rows, d, shape.Scale, q, k, v, dO, forward.O, forward.Lse);
        TensorCoreHost.CheckGradient(precision, dq, expected.DQ, bound.DQ, "dQ", $"{precision} d={d} causal={causal} n={n}");
        TensorCoreHost.CheckGradient(precision, dk, expected.DK, bound.DK, "dK", $"{precision} d={d} causal={causal} n={n}");
        TensorCoreHost.CheckGradient(precision, dv, expected.DV, bound.DV, "dV", $"{precision} d={d} causal={causal} n={n}");
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
        var bound = TensorCoreHost.Magnitudes(TensorCoreHost.Entries(segments, bias), n, d, shape.Scale, q, k, v, dO, forward.O, forward.Lse);
        TensorCoreHost.CheckGradient(precision, dq, expected.DQ, bound.DQ, "dQ", $"{precision} d={d} segments");
        TensorCoreHost.CheckGradient(precision, dk, expected.DK, bound.DK, "dK", $"{precision} d={d} segments");
        TensorCoreHost.CheckGradient(precision, dv, expected.DV, bound.DV, "dV", $"{precision} d={d} segments");
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

    private static float[] ToFloat(double[] x) => x.Select(e => (float)e).ToArray();
}
