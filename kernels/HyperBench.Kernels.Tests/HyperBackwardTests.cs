using HyperBench.Kernels.Attention;

namespace HyperBench.Kernels.Tests;

/// <summary>HyperAttention's backward is the exact gradient of the approximation, not the autograd shortcut that drops d(lse).</summary>
public sealed class HyperBackwardTests(BackendFixture backends)
{
    public static TheoryData<string, bool> BackendsAndMasks() => new()
    {
        { "cpu", false }, { "cpu", true }, { "ilgpu-cpu", false }, { "ilgpu-cpu", true },
    };

    [Theory]
    [MemberData(nameof(BackendsAndMasks))]
    public void Backward_MatchesExactGradientOfTheSameSparsePattern(string backend, bool causal)
    {
        var shape = new AttentionShape(1, 2, 150, 64);
        var inputs = TestData.Make(shape, 31);
        var parameters = new HyperParameters(LshProjections: 4, BlockSize: 32, Samples: 20, MinSeqLen: 40);
        var actual = new HyperForwardTests(backends).Run(backend, shape, causal, parameters, inputs, inputs.DO);
        var expected = SparseReference.Run(actual.Pattern, shape.RowsLength, shape.D, shape.Scale, inputs.Q, inputs.K, inputs.V, inputs.DO);

        FlashBackwardTests.AssertGradientClose(actual.DQ!, expected.DQ!, "dQ");
        FlashBackwardTests.AssertGradientClose(actual.DK!, expected.DK!, "dK");
        FlashBackwardTests.AssertGradientClose(actual.DV!, expected.DV!, "dV");
    }

    /// <summary>
    /// Central finite differences of L = sum(dO * O_hyper) through the hyper forward itself (fp32, cpu backend) at a tiny size.
    /// Sorting and sampling are piecewise constant: a step of 1e-2 moves a hash bit only when a projection is within 1e-2 of
    /// zero, which the fixed seeds avoid. Tolerance: O(h^2) truncation plus fp32 rounding of L (~1e-6 / h = 1e-4).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Backward_MatchesCentralFiniteDifferencesOfHyperForward(bool causal)
    {
        var shape = new AttentionShape(1, 1, 40, 64);
        var inputs = TestData.Make(shape, causal ? 41UL : 42UL);
        var parameters = new HyperParameters(LshProjections: 3, BlockSize: 8, Samples: 6, MinSeqLen: 10);
        var actual = HyperHost.Run(backends.Cpu, shape, causal, parameters, 5, inputs.Q, inputs.K, inputs.V, inputs.DO);
        Assert.Contains(actual.Pattern, e => e.LogWeight != 0f);

        TestData.AssertMatchesFiniteDifferences(inputs, actual.DQ!, actual.DK!, actual.DV!, () => Loss(shape, causal, parameters, inputs), 6, 3e-3, 2e-2);
    }

    private double Loss(AttentionShape shape, bool causal, HyperParameters parameters, TestData.Inputs inputs)
    {
        var o = HyperHost.Run(backends.Cpu, shape, causal, parameters, 5, inputs.Q, inputs.K, inputs.V, keepPattern: false).O;
        double loss = 0;
        for (int i = 0; i < o.Length; i++) loss += (double)o[i] * inputs.DO[i];
        return loss;
    }
}
