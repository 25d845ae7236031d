using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

public sealed class FlashSemanticsTests(BackendFixture backends)
{
    [Theory]
    [InlineData("ilgpu-cpu", 1, 2, 100, 37)]
    [InlineData("ilgpu-cpu", 2, 1, 160, 64)]
    [InlineData("ilgpu-cpu", 1, 2, 129, 63)]
    [InlineData("ilgpu-cpu", 1, 1, 129, 127)]
    [InlineData("cpu", 1, 2, 1500, 700)]
    public void Causal_ChangingLaterKeys_NeverChangesEarlierRows(string backend, int batch, int heads, int n, int cut)
    {
        var shape = new AttentionShape(batch, heads, n, 64);
        var inputs = TestData.Make(shape, 21);
        var k2 = (float[])inputs.K.Clone();
        var v2 = (float[])inputs.V.Clone();
        for (int s = 0; s < shape.Slices; s++)
            for (int j = cut + 1; j < n; j++)
                for (int c = 0; c < shape.D; c++)
                {
                    long idx = ((long)s * n + j) * shape.D + c;
                    k2[idx] += 3f;
                    v2[idx] = -v2[idx] * 5f;
                }
        var a = backends.Run(backend, shape, true, inputs.Q, inputs.K, inputs.V);
        var b = backends.Run(backend, shape, true, inputs.Q, k2, v2);
        bool laterChanged = false;
        for (int s = 0; s < shape.Slices; s++)
            for (int i = 0; i < n; i++)
                for (int c = 0; c < shape.D; c++)
                {
                    long idx = ((long)s * n + i) * shape.D + c;
                    if (i <= cut) Assert.Equal(a.O[idx], b.O[idx]);
                    else laterChanged |= a.O[idx] != b.O[idx];
                }
        Assert.True(laterChanged, "rows after the cut should see the changed keys (the test would be vacuous otherwise)");
    }

    [Fact]
    public void IlgpuCpuForward_RowsWithEveryKeyMasked_GiveZeroAndNegativeInfinityLse()
    {
        const int n = 70, d = 64;
        var shape = new AttentionShape(1, 1, n, d);
        var inputs = TestData.Make(shape, 8);
        var bias = new float[n];
        Array.Fill(bias, float.NegativeInfinity);
        // Segment 0: rows 0..39 see all keys (all masked); segment 1: rows 40..69 see keys 0..29, all but key 5 masked.
        bias[5] = 0.25f;
        var segments = new[] { new AttentionSegment(0, 40, 40, 30, 0), new AttentionSegment(40, 30, 0, 30, 0) };
        var expected = ReferenceAttention.Forward(segments, d, shape.Scale, inputs.Q, inputs.K, inputs.V, bias, n);
        var actual = backends.RunPlan(segments, d, shape.Scale, n, inputs.Q, inputs.K, inputs.V, bias);
        float[] o = actual.O, lse = actual.Lse;
        Assert.DoesNotContain(o, float.IsNaN);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(float.NegativeInfinity, lse[i]);
            for (int c = 0; c < d; c++) Assert.Equal(0f, o[i * d + c]);
        }
        // With one visible key, the output is exactly that key's value row and lse its biased score.
        for (int i = 40; i < n; i++)
            for (int c = 0; c < d; c++) Assert.Equal(inputs.V[5 * d + c], o[i * d + c], 5);
        Assert.True(TestData.MaxAbsDiff(lse, expected.Lse) <= 1e-5);
    }
}
