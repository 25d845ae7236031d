using System.Diagnostics;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>The simulation model (fit, file round trip, lookup) and the simulated device that waits it.</summary>
public sealed class SimulatedDeviceTests
{
    private static BenchmarkCase Flash(int n, bool causal = false, AttentionPass pass = AttentionPass.Forward) =>
        new(KernelKind.Flash, n, causal, pass, 1, 1, 64);

    [Fact]
    public void Fit_ExactPowerLaw_RecoversAAndBPerGroup()
    {
        // t = 2e-10 * flops^0.9 for fwd, 5e-12 * flops^1.1 for fwdbwd.
        var points = new[] { 256, 512, 1024, 2048 }.SelectMany(n => new[]
        {
            (Flash(n), 2e-10 * Math.Pow(Flash(n).Flops, 0.9)),
            (Flash(n, pass: AttentionPass.ForwardBackward), 5e-12 * Math.Pow(Flash(n, pass: AttentionPass.ForwardBackward).Flops, 1.1)),
        }).ToList();

        var model = SimModel.Fit("exact", points);

        Assert.Equal(2, model.Groups.Count);
        var fwd = model.Groups.Single(g => g.Pass == "fwd").Fit;
        var fwdbwd = model.Groups.Single(g => g.Pass == "fwdbwd").Fit;
        Assert.Equal((2e-10, 0.9), (fwd.A, fwd.B), (x, y) => Math.Abs(x.Item1 / y.Item1 - 1) < 1e-6 && Math.Abs(x.Item2 - y.Item2) < 1e-9);
        Assert.Equal((5e-12, 1.1), (fwdbwd.A, fwdbwd.B), (x, y) => Math.Abs(x.Item1 / y.Item1 - 1) < 1e-6 && Math.Abs(x.Item2 - y.Item2) < 1e-9);
        Assert.Equal(4, fwd.Points);
        Assert.True(fwd.RmsLogError < 1e-9, $"rms {fwd.RmsLogError}");
        Assert.Equal(2e-10 * Math.Pow(Flash(4096).Flops, 0.9), model.Seconds(Flash(4096)), 1e-12);
    }

    [Fact]
    public void Seconds_GroupNotCalibrated_UsesOtherDtypeThenFallback()
    {
        var model = new SimModel
        {
            Name = "m",
            Groups = [new SimGroup("flash", "fwd", false, "fp32", new SimFit(1e-3, 0))],
            Fallback = new SimFit(2e-3, 0),
        };

        Assert.Equal(1e-3, model.Seconds(Flash(128) with { Dtype = Dtype.Bf16 }), 12);
        Assert.Equal(2e-3, model.Seconds(Flash(128, causal: true)), 12);
    }

    [Fact]
    public void Json_RoundTrips_AndABadFileNamesItsProblem()
    {
        var model = SimModel.Fit("rt", [(Flash(256), 1e-4), (Flash(512), 4e-4)], "sweep x", 1L << 30, 0.05);
        var back = SimModel.FromJson(model.ToJson(), "memory");
        Assert.Equal((model.Name, model.CalibratedFrom, model.MemoryBytes, model.NoiseCv), (back.Name, back.CalibratedFrom, back.MemoryBytes, back.NoiseCv));
        Assert.Equal(model.Groups, back.Groups);
        Assert.Equal(model.Fallback, back.Fallback);

        var bad = Assert.Throws<InvalidDataException>(() => SimModel.FromJson(model.ToJson().Replace("\"noise_cv\": 0.05", "\"noise_cv\": 3", StringComparison.Ordinal), "m.json"));
        Assert.Contains("noise_cv 3", bad.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<InvalidDataException>(() => SimModel.Load("/nonexistent/model.json")).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SimModel.Fit("one", [(Flash(256), 1e-4)]));
    }

    [Fact]
    public void Default_IsTheBuiltInCpuModel()
    {
        Assert.Equal(SimModel.DefaultName, SimModel.Default.Name);
        Assert.True(SimModel.Default.Seconds(Flash(1024)) > 0);
        using var runner = BackendFactory.CreateRunner("sim:3");
        Assert.Equal((DeviceKind.Simulated, "sim:3", "simulated (cpu-default)"), (runner.Device.Kind, runner.Device.Id, runner.Device.Name));
    }

    [Fact]
    public void Run_WaitsTheModelledTimeAndReportsModelledSamples()
    {
        var model = new SimModel { Name = "wait", Groups = [], Fallback = new SimFit(0.01, 0) };
        using var device = new SimulatedDevice(0, model);
        var options = new MeasurementOptions(minSamples: 3, budgetSeconds: 0, warmupRuns: 1);

        var clock = Stopwatch.StartNew();
        var result = device.Run(Flash(64), options, CancellationToken.None);
        clock.Stop();

        Assert.Null(result.Error);
        Assert.Equal([0.01, 0.01, 0.01], result.Samples);
        Assert.Equal(0.01, result.Statistics!.Median);
        Assert.Equal(0.01, result.FirstRunSeconds);
        Assert.Null(result.Accuracy);
        Assert.Equal((5, 3, 0.05), SimulatedDevice.Schedule(model, Flash(64), options), (x, y) => x.Item1 == y.Item1 && x.Item2 == y.Item2 && Math.Abs(x.Item3 - y.Item3) < 1e-12);
        // It waited (first + warm-up + 3 samples = 50 ms) rather than returning at once; no upper bound: the machine may be busy.
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(49), $"returned after {clock.Elapsed.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public void Run_NoiseIsSeededByCaseAndDevice_AndCancellationStopsTheWait()
    {
        var model = new SimModel { Name = "noisy", NoiseCv = 0.1, Groups = [], Fallback = new SimFit(1e-5, 0) };
        var options = new MeasurementOptions(minSamples: 20, budgetSeconds: 0, warmupRuns: 0);
        using var a = new SimulatedDevice(0, model);
        using var b = new SimulatedDevice(1, model);

        var first = a.Run(Flash(64), options, CancellationToken.None).Samples;
        Assert.Equal(first, a.Run(Flash(64), options, CancellationToken.None).Samples);
        Assert.NotEqual(first, b.Run(Flash(64), options, CancellationToken.None).Samples);
        Assert.True(first.Distinct().Count() > 1);

        using var slow = new SimulatedDevice(0, new SimModel { Name = "slow", Groups = [], Fallback = new SimFit(60, 0) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        Assert.ThrowsAny<OperationCanceledException>(() => slow.Run(Flash(64), options, cancel.Token));
    }

    [Fact]
    public void Run_CaseLargerThanTheModelledMemory_FailsNamingTheSizes()
    {
        using var device = new SimulatedDevice(0, new SimModel { Name = "small", MemoryBytes = 1 << 20, Groups = [], Fallback = new SimFit(1e-6, 0) });
        var result = device.Run(Flash(8192), new MeasurementOptions(1, 0), CancellationToken.None);
        Assert.NotNull(result.Error);
        Assert.Contains("simulated device sim:0 has 0.00 GiB", result.Error, StringComparison.Ordinal);
    }
}
