using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// A simulated cluster at test size: 4 silo processes with 16 simulated devices each on a test-owned PostgreSQL complete a sweep of
/// 5,000 cases (4 ms each, modelled), every case stored exactly once and labelled with the simulated device model.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SimulatedFleetTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_FourSilosOf16SimulatedDevices_5000CasesEachStoredOnce()
    {
        const int cases = 5000;
        var model = SimulatedFleet.ConstantModel("fleet-test", 0.002);
        await using var fleet = await SimulatedFleet.StartAsync(silos: 4, devicesPerSilo: 16, model, Bound, Ct);

        var (status, wall, _) = await fleet.RunAsync("sim-5000", SimulatedFleet.Plan(cases, "simulated"), Bound, Ct);
        TestContext.Current.TestOutputHelper!.WriteLine($"5000 simulated cases on 64 devices in 4 silos: {wall.TotalSeconds:F1} s");

        Assert.Equal((SweepStatus.Completed, cases, 0, 0), (status.Status!.Value, status.Done, status.Failed, status.Skipped));
        var (rows, models) = await fleet.ResultsAsync("sim-5000", Ct);
        Assert.Equal(cases, rows.Count);
        Assert.All(rows, r => Assert.Equal(1, r.Value));
        var expected = SimulatedFleet.Plan(cases, "simulated").ExpandCases().Select(c => c.Id).Order(StringComparer.Ordinal);
        Assert.Equal(expected, rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([SimulatedDevice.ModelName(model)], models);
        // Every silo's devices took part.
        Assert.Equal(fleet.Silos.Select(s => s.Endpoint).Order(StringComparer.Ordinal),
            status.Devices.Select(d => d.DeviceKey[..d.DeviceKey.LastIndexOf('/')]).Distinct().Order(StringComparer.Ordinal));
    }
}
