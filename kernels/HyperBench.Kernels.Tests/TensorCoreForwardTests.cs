using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>
/// The tensor-core forward kernels on the ILGPU CPU accelerator, where every mma.sync is emulated lane by lane from the same
/// registers the PTX receives: the fragment layouts, swizzles, P packing and online softmax are checked against the
/// double-precision reference. The reference gets the inputs the kernel sees (rounded to bf16 / fp16), so the tolerances
/// measure the kernel, not the input rounding (docs/gpu-kernels.md, "Tensor-core kernels", derives them).
/// </summary>
public sealed class TensorCoreForwardTests(BackendFixture backends)
{
    public static TheoryData<MmaPrecision, int, bool, int> Cases()
    {
        var data = new TheoryData<MmaPrecision, int, bool, int>();
        foreach (var precision in new[] { MmaPrecision.Bf16, MmaPrecision.Fp16, MmaPrecision.Tf32x3 })
            foreach (int d in new[] { 64, 128 })
                foreach (bool causal in new[] { false, true })
                    data.Add(precision, d, causal, causal ? 130 : 70);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IlgpuCpuForward_MatchesReference_WithinDtypeTolerance(MmaPrecision precision, int d, bool causal, int n)
    {
        // n = 70: a full 64-row query tile and a partial one, two full key tiles and a partial one; n = 130 (causal): three
        // query tiles, diagonal tiles at offsets 0, 64 and 128 of the 32-key tiles. Two slices check the segment offsets.
        var shape = new AttentionShape(2, 1, n, d);
        var inputs = TestData.Make(shape, (ulong)(n * 7 + d));
        var q = TensorCoreHost.Rounded(precision, inputs.Q);
        var k = TensorCoreHost.Rounded(precision, inputs.K);
        var v = TensorCoreHost.Rounded(precision, inputs.V);
        var segments = AttentionSegment.PerSlice(shape, causal);
        var expected = ReferenceAttention.Forward(shape, causal, q, k, v);
        var (o, lse) = TensorCoreHost.Forward(backends, precision, segments, d, (float)shape.Scale, shape.RowsLength, inputs.Q, inputs.K, inputs.V, null);

        double errO = TestData.MaxAbsDiff(o, expected.O), errLse = TestData.MaxAbsDiff(lse, expected.Lse);
        var fp32 = ReferenceAttention.Forward(shape, causal, inputs.Q, inputs.K, inputs.V);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{precision} d={d} causal={causal} n={n}: max |dO| {errO:E2}, |dlse| {errLse:E2} (vs unrounded inputs: {TestData.MaxAbsDiff(o, fp32.O):E2}, {TestData.MaxAbsDiff(lse, fp32.Lse):E2})");
        Assert.True(errO <= TensorCoreHost.OTolerance(precision, v), $"O max abs error {errO:E2} > {TensorCoreHost.OTolerance(precision, v):E2}");
        Assert.True(errLse <= TensorCoreHost.LseTolerance, $"lse max abs error {errLse:E2} > {TensorCoreHost.LseTolerance:E2}");
    }

    [Theory]
    [InlineData(MmaPrecision.Bf16, 64)]
    [InlineData(MmaPrecision.Fp16, 128)]
    [InlineData(MmaPrecision.Tf32x3, 128)]
    public void IlgpuCpuForward_BiasAndFullyMaskedRows_KeepFlashSemantics(MmaPrecision precision, int d)
    {
        const int n = 70;
        var shape = new AttentionShape(1, 1, n, d);
        var inputs = TestData.Make(shape, 8);
        var q = TensorCoreHost.Rounded(precision, inputs.Q);
        var k = TensorCoreHost.Rounded(precision, inputs.K);
        var v = TensorCoreHost.Rounded(precision, inputs.V);
        // Keys 0..39: every key masked (segment 0 sees only those); keys 40..69: a finite bias, every third one masked.
        var bias = new float[n];
        for (int j = 0; j < n; j++) bias[j] = j < 40 ? float.NegativeInfinity : j % 3 == 0 ? float.NegativeInfinity : 0.1f * (j % 7) - 0.3f;
        var segments = new[] { new AttentionSegment(0, 40, 0, 40, 0), new AttentionSegment(40, 30, 0, n, 1) };
        var expected = ReferenceAttention.Forward(segments, d, shape.Scale, q, k, v, bias, n);
        var (o, lse) = TensorCoreHost.Forward(backends, precision, segments, d, (float)shape.Scale, n, inputs.Q, inputs.K, inputs.V, bias);

        Assert.DoesNotContain(o, float.IsNaN);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(float.NegativeInfinity, lse[i]);
            for (int c = 0; c < d; c++) Assert.Equal(0f, o[i * d + c]);
        }
        Assert.True(TestData.MaxAbsDiff(o, expected.O) <= TensorCoreHost.OTolerance(precision, v), $"O max abs error {TestData.MaxAbsDiff(o, expected.O):E2}");
        Assert.True(TestData.MaxAbsDiff(lse, expected.Lse) <= TensorCoreHost.LseTolerance, $"lse max abs error {TestData.MaxAbsDiff(lse, expected.Lse):E2}");
    }
}
