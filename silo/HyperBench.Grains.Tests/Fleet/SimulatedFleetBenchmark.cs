using System.Globalization;
using System.Text.RegularExpressions;
using HyperBench.Kernels.Backends.Simulated;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// The scheduler at fleet size (docs/scheduling.md): 4 silo processes with 64 simulated devices each (256) on a test-owned
/// PostgreSQL. Two sweeps of 5,120 cases (20 per device): 1 ms cases for throughput (cases leased and stored per second), then
/// cases of HYPERBENCH_SIM_CASE_SECONDS (default 0.5 s) for the orchestration overhead, (wall - ideal) / wall with ideal = the sum
/// of the modelled case times / devices. Prints the numbers; asserts only that every case is stored once.
/// Runs only with HYPERBENCH_BENCH=1 (about two minutes).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class SimulatedFleetBenchmark
{
    private const int Silos = 4, DevicesPerSilo = 64, Cases = 5120;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(300);

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task Fleet_256SimulatedDevices_ReportsThroughputAndOverhead()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("HYPERBENCH_BENCH") == "1", "set HYPERBENCH_BENCH=1 to run the fleet benchmark");
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        double caseSeconds = double.Parse(Environment.GetEnvironmentVariable("HYPERBENCH_SIM_CASE_SECONDS") ?? "0.5", CultureInfo.InvariantCulture);
        int devices = Silos * DevicesPerSilo;

        // One model, two sweeps: the flash fwd group is 1 ms per case (throughput), every other case (causal) caseSeconds (overhead).
        var model = SimulatedFleet.ConstantModel("fleet-bench", 0.0005) with
        {
            Groups = [new SimGroup("flash", "fwd", false, "fp32", new SimFit(0.0005, 0)), new SimGroup("flash", "fwd", true, "fp32", new SimFit(caseSeconds / 2, 0))],
        };
        await using var fleet = await SimulatedFleet.StartAsync(Silos, DevicesPerSilo, model, Bound, ct);

        var warm = SimulatedFleet.Plan(devices * 2, "warm-up");
        await fleet.RunAsync("warm", warm with { Grid = warm.Grid with { SeqLens = [.. warm.Grid.SeqLens.Select(n => n + 100_000)] } }, Bound, ct);

        var throughputPlan = SimulatedFleet.Plan(Cases, "throughput");
        var (tStatus, tWall) = await fleet.RunAsync("throughput", throughputPlan, Bound, ct);
        var overheadPlan = SimulatedFleet.Plan(Cases, "overhead");
        overheadPlan = overheadPlan with { Grid = overheadPlan.Grid with { Causal = [true] } };
        var (oStatus, oWall) = await fleet.RunAsync("overhead", overheadPlan, Bound, ct);

        foreach (var (id, status) in new[] { ("throughput", tStatus), ("overhead", oStatus) })
        {
            Assert.Equal((Cases, 0), (status.Done, status.Failed));
            var (rows, _) = await fleet.ResultsAsync(id, ct);
            Assert.Equal(Cases, rows.Count);
            Assert.All(rows, r => Assert.Equal(1, r.Value));
        }
        double ideal(Contracts.SweepPlan plan) =>
            plan.ExpandCases().Sum(c => SimulatedDevice.Schedule(model, c, plan.Measurement).Seconds) / devices;
        double tIdeal = ideal(throughputPlan), oIdeal = ideal(overheadPlan);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput: {Cases} cases of 1 ms on {devices} simulated devices in {Silos} silos: wall {tWall.TotalSeconds:F2} s = {Cases / tWall.TotalSeconds:F0} cases/s leased and stored (ideal {tIdeal:F3} s)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"overhead: {Cases} cases of {caseSeconds:F3} s: wall {oWall.TotalSeconds:F2} s, ideal {oIdeal:F2} s, overhead (wall - ideal) / wall = {(oWall.TotalSeconds - oIdeal) / oWall.TotalSeconds * 100:F2}% ({Cases / oWall.TotalSeconds:F0} cases/s)"));
        foreach (var silo in fleet.Silos)
            foreach (Match m in WritesLine().Matches(silo.Log))
                output.WriteLine($"{silo.Name}: {m.Value}");
    }

    [GeneratedRegex(@"Sweep \S+ stored \d+ case transitions in \d+ writes")]
    private static partial Regex WritesLine();
}
