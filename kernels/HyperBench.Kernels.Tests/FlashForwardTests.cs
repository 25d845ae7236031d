using HyperBench.Kernels.Attention;

namespace HyperBench.Kernels.Tests;

public sealed class FlashForwardTests(BackendFixture backends)
{
    public static TheoryData<int, bool, int> IlgpuCases()
    {
        var data = new TheoryData<int, bool, int>();
        foreach (int d in new[] { 64, 128 })
            foreach (bool causal in new[] { false, true })
                foreach (int n in new[] { 1, 7, 64, 65, 130 })
                    data.Add(n, causal, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(IlgpuCases))]
    public void IlgpuCpuForward_MatchesReference_WithinFp32Tolerance(int n, bool causal, int d)
    {
        // Two slices check the (batch, head) layout; n covers one row, a partial tile, a full tile, one past it and three tiles.
        // The ILGPU CPU accelerator runs a 256-thread group as 256 OS threads (barriers and shuffles dominate), so n stays small.
        var shape = new AttentionShape(2, 1, n, d);
        var inputs = TestData.Make(shape, (ulong)(n * 31 + d));
        var expected = ReferenceAttention.Forward(shape, causal, inputs.Q, inputs.K, inputs.V);
        HostAttention.Result actual;
        lock (backends.Gate) actual = HostAttention.Run(backends.IlgpuCpu, shape, causal, inputs.Q, inputs.K, inputs.V);

        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= 1e-5, $"O max abs error {TestData.MaxAbsDiff(actual.O, expected.O):E2}");
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= 1e-5, $"lse max abs error {TestData.MaxAbsDiff(actual.Lse, expected.Lse):E2}");
    }
}
