using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace HyperBench.Grains.Tests;

/// <summary>What crosses the wire between silos comes back equal, including the kernels' records (through their surrogate).</summary>
public sealed class WireFormatTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void CaseLease_HyperCase_RoundTripsWithParametersAndId()
    {
        var hyperCase = new BenchmarkCase(KernelKind.Hyper, 8192, true, AttentionPass.ForwardBackward, 2, 4, 128, Dtype.Fp32, "planted", 7,
            new HyperParameters(5, 128, 64, 2048, "value-norm"));
        var lease = new CaseLease("l1", "s1", hyperCase, 3, 2, new DateTime(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc), 60, MeasurementOptions.ForMinSamples(5, 1.5, 1, 0.5));

        var back = Serializer.Deserialize<CaseLease>(Serializer.SerializeToArray(lease))!;

        Assert.Equal(lease, back);
        Assert.Equal(hyperCase.Id, back.Case.Id);
        Assert.Equal(hyperCase.Hyper, back.Case.Hyper);
    }

    [Fact]
    public void CaseLease_FlashCase_KeepsNullHyper()
    {
        var flash = new BenchmarkCase(KernelKind.Flash, 64, false, AttentionPass.Forward, 1, 1, 64);
        var lease = new CaseLease("l2", "s1", flash, 0, 1, DateTime.UtcNow, 2, MeasurementOptions.ForMinSamples(2, 0, 0, 0));

        var back = Serializer.Deserialize<CaseLease>(Serializer.SerializeToArray(lease))!;

        Assert.Null(back.Case.Hyper);
        Assert.Equal(flash, back.Case);
    }

    [Fact]
    public void SweepStatusView_StillLeased_RoundTrips()
    {
        var view = new SweepStatusView("s1", SweepStatus.Running, null, 4, 1, 2, 1, 0, 0, null, null, [new DeviceProgress("h:1/cpu", 1, 0, null, null)])
        {
            StillLeased = 1,
        };

        var back = Serializer.Deserialize<SweepStatusView>(Serializer.SerializeToArray(view))!;

        Assert.Equal(1, back.StillLeased);
        Assert.Equal(2, back.Leased);
    }

    [Fact]
    public void SweepPlan_RoundTrip_ExpandsToSameCases()
    {
        var plan = new SweepPlan
        {
            Grid = new BenchmarkGrid
            {
                Kernels = [KernelKind.Flash, KernelKind.Hyper], SeqLens = [256, 512], Causal = [true, false], Batches = [1, 2],
                Dtypes = [Dtype.Fp32, Dtype.Bf16], Hyper = new HyperParameters(5, 128, 64, 2048, "value-norm"),
            },
            Measurement = MeasurementOptions.ForMinSamples(3, 0.25, 2, 0.1),
            Devices = ["cpu"],
            Tag = "x",
        };

        var back = Serializer.Deserialize<SweepPlan>(Serializer.SerializeToArray(plan))!;

        Assert.Equal(plan.Grid.Expand(), back.Grid.Expand());
        Assert.Equal(plan.Measurement, back.Measurement);
        Assert.Equal(["cpu"], back.Devices);
        Assert.Equal("x", back.Tag);
    }
}
