using HyperBench.Kernels.Attention;

namespace HyperBench.Kernels.Tests;

public sealed class CpuBackendTests(BackendFixture backends)
{
    public static TheoryData<int, bool, int> ForwardCases()
    {
        var data = new TheoryData<int, bool, int>();
        foreach (int d in new[] { 64, 128 })
            foreach (bool causal in new[] { false, true })
                foreach (int n in new[] { 1, 7, 64, 255, 256, 257, 1000, 2048 })
                    data.Add(n, causal, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void CpuForward_MatchesReference_WithinFp32Tolerance(int n, bool causal, int d)
    {
        var shape = new AttentionShape(2, 3, n, d);
        var inputs = TestData.Make(shape, (ulong)(n * 13 + d));
        var expected = ReferenceAttention.Forward(shape, causal, inputs.Q, inputs.K, inputs.V);
        var actual = HostAttention.Run(backends.Cpu, shape, causal, inputs.Q, inputs.K, inputs.V);

        Assert.True(TestData.MaxAbsDiff(actual.O, expected.O) <= 1e-5, $"O max abs error {TestData.MaxAbsDiff(actual.O, expected.O):E2}");
        Assert.True(TestData.MaxAbsDiff(actual.Lse, expected.Lse) <= 1e-5, $"lse max abs error {TestData.MaxAbsDiff(actual.Lse, expected.Lse):E2}");
    }

    [Theory]
    [InlineData(1, false, 64)]
    [InlineData(100, false, 64)]
    [InlineData(100, true, 128)]
    [InlineData(513, true, 64)]
    [InlineData(513, false, 128)]
    public void CpuBackward_MatchesReferenceGradient(int n, bool causal, int d)
    {
        var shape = new AttentionShape(2, 3, n, d);
        var inputs = TestData.Make(shape, (ulong)(n + d));
        var expected = ReferenceAttention.Backward(shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);
        var actual = HostAttention.Run(backends.Cpu, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);

        FlashBackwardTests.AssertGradientClose(actual.DQ!, expected.DQ, "dQ");
        FlashBackwardTests.AssertGradientClose(actual.DK!, expected.DK, "dK");
        FlashBackwardTests.AssertGradientClose(actual.DV!, expected.DV, "dV");
    }

    [Theory]
    [InlineData(300, false)]
    [InlineData(300, true)]
    public void CpuDeviceOfOneThread_ComputesWhatEveryCoreComputes_ForwardAndBackward(int n, bool causal)
    {
        // cpu:1 with one thread (one of several CPU devices of a silo): the same tiles in the same per-item order, so the same bits,
        // except dQ/dK/dV, whose striped additions may land in another order.
        using var one = new HyperBench.Kernels.Backends.Cpu.CpuBackend(1, threads: 1);
        var shape = new AttentionShape(1, 2, n, 64);
        var inputs = TestData.Make(shape, 91);
        var all = HostAttention.Run(backends.Cpu, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);
        var single = HostAttention.Run(one, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);

        Assert.Equal((1, "cpu:1"), (one.Threads, one.Device.Id));
        Assert.StartsWith(Environment.ProcessorCount == 1 ? "1 cores" : $"1 of {Environment.ProcessorCount} cores", one.Device.Detail, StringComparison.Ordinal);
        Assert.Equal(all.O, single.O);
        Assert.Equal(all.Lse, single.Lse);
        FlashBackwardTests.AssertGradientClose(single.DQ!, [.. all.DQ!.Select(x => (double)x)], "dQ");
        FlashBackwardTests.AssertGradientClose(single.DK!, [.. all.DK!.Select(x => (double)x)], "dK");
        FlashBackwardTests.AssertGradientClose(single.DV!, [.. all.DV!.Select(x => (double)x)], "dV");
        Assert.Equal(one.PlanWorkspaceBytes(n, n, 64, backward: false) * Environment.ProcessorCount, backends.Cpu.PlanWorkspaceBytes(n, n, 64, backward: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HyperBench.Kernels.Backends.Cpu.CpuBackend(0, threads: 0));
    }

    [Theory]
    [InlineData(200, false)]
    [InlineData(200, true)]
    public void Backends_AgreeWithEachOther_ForwardAndBackward(int n, bool causal)
    {
        // Two batches of two heads: the layouts must agree too. Small, as every ILGPU-CPU test (see FlashForwardTests).
        var shape = new AttentionShape(2, 2, n, 64);
        var inputs = TestData.Make(shape, 77);
        var cpu = HostAttention.Run(backends.Cpu, shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);
        var ilgpu = backends.Run("ilgpu-cpu", shape, causal, inputs.Q, inputs.K, inputs.V, inputs.DO);

        foreach (var (a, b, name) in new[] { (cpu.O, ilgpu.O, "O"), (cpu.Lse, ilgpu.Lse, "lse"), (cpu.DQ!, ilgpu.DQ!, "dQ"), (cpu.DK!, ilgpu.DK!, "dK"), (cpu.DV!, ilgpu.DV!, "dV") })
        {
            double max = 0;
            for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
            Assert.True(max <= 2e-5, $"{name}: cpu and ilgpu-cpu differ by {max:E2}");
        }
    }
}
