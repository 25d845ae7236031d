using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

public sealed class FlashBackwardTests(BackendFixture backends)
{
    public static TheoryData<int, bool, int> Cases()
    {
        var data = new TheoryData<int, bool, int>();
        // d 64 tiles are 32 keys x 32 queries, d 128 tiles 16 x 16: n = 100 already spans several partial tiles of both.
        foreach (int d in new[] { 64, 128 })
            foreach (bool causal in new[] { false, true })
                foreach (int n in d == 64 ? new[] { 1, 33, 100, 130 } : new[] { 1, 33, 100 })
                    data.Add(n, causal, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IlgpuCpuBackward_MatchesReferenceGradient(int n, bool causal, int d)
    {
        // Small n and two slices: the CPU accelerator runs every thread of a group as an OS thread (see FlashForwardTests).
        var shape = new AttentionShape(2, 1, n, d);
        var inputs = TestData.Make(shape, (ulong)(n * 7 + d + (causal ? 1 : 0)));
        var expected = ReferenceAttention.Backward(shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);
        HostAttention.Result actual;
        lock (backends.Gate) actual = HostAttention.Run(backends.IlgpuCpu, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);

        AssertGradientClose(actual.DQ!, expected.DQ, "dQ");
        AssertGradientClose(actual.DK!, expected.DK, "dK");
        AssertGradientClose(actual.DV!, expected.DV, "dV");
    }

    /// <summary>
    /// Central finite differences of L = sum(dO * O) in double precision through the reference forward, at a tiny size:
    /// checks the analytic gradient itself, not just agreement between two implementations of it.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IlgpuCpuBackward_MatchesCentralFiniteDifferences(bool causal)
    {
        var shape = new AttentionShape(1, 2, 5, 64);
        var inputs = TestData.Make(shape, causal ? 11UL : 12UL);
        HostAttention.Result actual;
        lock (backends.Gate) actual = HostAttention.Run(backends.IlgpuCpu, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);

        // O(h^2) truncation error on smooth softmax plus float inputs: 2e-3 absolute is ample and still catches a wrong term.
        TestData.AssertMatchesFiniteDifferences(inputs, actual.DQ!, actual.DK!, actual.DV!, () => Loss(shape, causal, inputs), 5, 2e-3, 1e-2);
    }

    [Fact]
    public void IlgpuCpuBackward_AccumulatesIntoOutputs_WhenPlanUsedDirectly()
    {
        var shape = new AttentionShape(1, 1, 40, 64);
        var inputs = TestData.Make(shape, 3);
        var backend = backends.IlgpuCpu;
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan(AttentionSegment.PerSlice(shape, false), shape.D, shape.Scale);
            using var q = backend.Upload(inputs.Q);
            using var k = backend.Upload(inputs.K);
            using var v = backend.Upload(inputs.V);
            using var dO = backend.Upload(inputs.DO);
            using var o = backend.Allocate(shape.TensorLength);
            using var lse = backend.Allocate(shape.RowsLength);
            using var dq = backend.Allocate(shape.TensorLength);
            using var dk = backend.Allocate(shape.TensorLength);
            using var dv = backend.Allocate(shape.TensorLength);
            plan.Forward(q, k, v, null, o, lse);
            plan.Backward(q, k, v, null, o, lse, dO, dq, dk, dv);
            plan.Backward(q, k, v, null, o, lse, dO, dq, dk, dv);
            backend.Synchronize();
            var twice = new float[shape.TensorLength];
            backend.Download(dv, twice);
            var expected = ReferenceAttention.Backward(shape, false, inputs.Q, inputs.K, inputs.V, inputs.DO);
            Assert.True(TestData.MaxAbsDiff(twice, expected.DV.Select(x => 2 * x).ToArray()) <= 1e-4);
        }
    }

    /// <summary>
    /// HyperAttention's use of the plan: segments with their own query and key ranges, a per-key bias with -inf keys, a
    /// segment whose every key is masked (its rows get O = 0, lse = -inf and no gradient) and a causal segment with more
    /// keys than queries. Both head dimensions, against the double-precision gradient of the same segments.
    /// </summary>
    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    public void IlgpuCpuBackward_SegmentsWithBiasAndMaskedRows_MatchReferenceGradient(int d)
    {
        const int n = 70;
        var shape = new AttentionShape(1, 1, n, d);
        var inputs = TestData.Make(shape, 19);
        var bias = new float[n];
        for (int j = 0; j < n; j++) bias[j] = j >= 40 || j % 7 == 3 ? float.NegativeInfinity : 0.05f * (j % 11) - 0.25f;
        var segments = new[] { new AttentionSegment(0, 40, 40, 30, 0), new AttentionSegment(40, 30, 0, 37, 1) };
        var expected = ReferenceAttention.Backward(segments, d, shape.Scale, inputs.Q, inputs.K, inputs.V, bias, inputs.DO, n, n);
        var actual = backends.RunPlan(segments, d, shape.Scale, n, inputs.Q, inputs.K, inputs.V, bias, inputs.DO);
        float[] dq = actual.DQ!, dk = actual.DK!, dv = actual.DV!, lse = actual.Lse;
        for (int i = 0; i < 40; i++) Assert.Equal(float.NegativeInfinity, lse[i]);
        Assert.All(dq.AsSpan(0, 40 * d).ToArray(), x => Assert.Equal(0f, x));
        Assert.DoesNotContain(dq, float.IsNaN);
        AssertGradientClose(dq, expected.DQ, "dQ");
        AssertGradientClose(dk, expected.DK, "dK");
        AssertGradientClose(dv, expected.DV, "dV");
    }

    private static double Loss(AttentionShape shape, bool causal, TestData.Inputs inputs)
    {
        var o = ReferenceAttention.Forward(shape, causal, inputs.Q, inputs.K, inputs.V).O;
        double loss = 0;
        for (int i = 0; i < o.Length; i++) loss += o[i] * inputs.DO[i];
        return loss;
    }

    internal static void AssertGradientClose(float[] actual, double[] expected, string name)
    {
        // fp32 accumulation over up to n keys: relative to the gradient's scale.
        double tolerance = 1e-5 + 2e-5 * TestData.MaxAbs(expected);
        double error = TestData.MaxAbsDiff(actual, expected);
        Assert.True(error <= tolerance, $"{name} max abs error {error:E2} > {tolerance:E2}");
    }
}
