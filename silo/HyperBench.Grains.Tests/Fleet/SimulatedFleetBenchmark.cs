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

        // The first sweep a silo hosts pays for compiling the sweep grain's paths there (0.1-0.45 s from the client's call to the first
        // case, here), once in a silo's life. Sweeps are placed at random, so small warm-up sweeps run until every silo has hosted one.
        var warm = SimulatedFleet.Plan(devices * 2, "warm-up");
        warm = warm with { Grid = warm.Grid with { SeqLens = [.. warm.Grid.SeqLens.Select(n => n + 100_000)] } };
        int warmUps = 0;
        while (warmUps < 24 && !fleet.Silos.All(s => HostedWarmUp().IsMatch(s.Log)))
            await fleet.RunAsync($"warm-{++warmUps}", warm, Bound, ct);
        output.WriteLine($"warm-up: {warmUps} sweeps of {warm.Grid.SeqLens.Length} cases until each of the {Silos} silos had hosted one");

        // Silo processes start cold: for their first tens of seconds the JIT (tiered compilation) takes a third of the machine. A fleet's
        // silos live for days, so each sweep runs several rounds; the first round is the cold figure, the last the steady one.
        int rounds = int.Parse(Environment.GetEnvironmentVariable("HYPERBENCH_FLEET_ROUNDS") ?? "3", CultureInfo.InvariantCulture);
        var overheadBase = SimulatedFleet.Plan(Cases, "overhead");
        foreach (var (kind, plan) in new[] { ("throughput", SimulatedFleet.Plan(Cases, "throughput")),
                     ("overhead", overheadBase with { Grid = overheadBase.Grid with { Causal = [true] } }) })
        {
            double ideal = plan.ExpandCases().Sum(c => SimulatedDevice.Schedule(model, c, plan.Measurement).Seconds) / devices;
            for (int round = 1; round <= rounds; round++)
            {
                string id = $"{kind}-{round}";
                var cpu = CpuSeconds.Take(fleet);
                var (status, wall, startedUtc) = await fleet.RunAsync(id, plan, Bound, ct);
                var used = CpuSeconds.Take(fleet).Minus(cpu);
                Assert.Equal((Cases, 0), (status.Done, status.Failed));
                var (rows, _) = await fleet.ResultsAsync(id, ct);
                Assert.Equal(Cases, rows.Count);
                Assert.All(rows, r => Assert.Equal(1, r.Value));
                double seconds = wall.TotalSeconds;
                var t = await fleet.TimelineAsync(id, ct);
                double clientStart = (startedUtc - DateTime.UnixEpoch).TotalMilliseconds;
                output.WriteLine(kind == "throughput"
                    ? string.Create(CultureInfo.InvariantCulture,
                        $"{id}: {Cases} cases of 1 ms on {devices} simulated devices in {Silos} silos: wall {seconds:F2} s = {Cases / seconds:F0} cases/s leased and stored (ideal {ideal:F3} s)")
                    : string.Create(CultureInfo.InvariantCulture,
                        $"{id}: {Cases} cases of {caseSeconds:F3} s: wall {seconds:F2} s, ideal {ideal:F2} s, overhead (wall - ideal) / wall = {(seconds - ideal) / seconds * 100:F2}% ({Cases / seconds:F0} cases/s)"));
                if (kind == "overhead")
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    outside the cases: (wall - the busiest device's time in its cases) / wall = {(seconds * 1000 - t.BusiestDeviceMs) / (seconds * 1000) * 100:F2}% " +
                        $"(the simulated devices' own lateness, {t.MeanCaseMs - caseSeconds * 1000:F1} ms per case, is in the overhead above and not here)"));
                output.WriteLine($"    CPU: {used.Describe(Cases)}");
                // HYPERBENCH_FLEET_TIMES=folder: every case's device, start and end, one CSV per sweep, for a closer look.
                if (Environment.GetEnvironmentVariable("HYPERBENCH_FLEET_TIMES") is { Length: > 0 } times)
                {
                    Directory.CreateDirectory(times);
                    await File.WriteAllLinesAsync(Path.Combine(times, id + ".csv"), await fleet.CaseTimesAsync(id, ct), ct);
                }
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    stored times: created to first case {t.FirstStartMs:F0} ms, to the last device's first case {t.LastFirstStartMs:F0} ms; " +
                    $"between two cases of a device {t.MeanGapMs:F1} ms mean, {t.MedianGapMs:F1} median, {t.P99GapMs:F0} p99, {t.MaxGapMs:F0} max, {t.MaxGapSumMs:F0} ms most on one device; " +
                    $"devices' last ends spread over {t.LastEndSpreadMs:F0} ms; last case to completed {t.LastEndToFinishMs:F0} ms " +
                    $"(its result stored and completion received {t.LastEndToItsCompletionMs:F0} ms, last completion to the sweep's {t.LastCompletionToFinishMs:F0} ms); " +
                    $"created to completed {t.StoredWallMs:F0} ms (client saw {seconds * 1000:F0} ms: {t.CreatedAtMs - clientStart:F0} ms from its call to the creation, " +
                    $"{clientStart + seconds * 1000 - t.FinishedAtMs:F0} ms from the completion to seeing it); a case {t.MeanCaseMs:F1} ms on average; " +
                    $"longest from a device's first case to its last end {t.LongestDeviceSpanMs:F0} ms"));
            }
        }
        foreach (var silo in fleet.Silos)
            foreach (Match m in WritesLine().Matches(silo.Log))
                output.WriteLine($"{silo.Name}: {(m.Groups[1].Success ? "a sweep's cases " + m.Groups[1].Value : m.Value)}");
    }

    /// <summary>
    /// CPU seconds (user + system) of each silo process, of every PostgreSQL process on the machine (backends that exited count through
    /// their parent's children times), and of this test process, from /proc: where the machine's two cores went during a sweep.
    /// </summary>
    private sealed record CpuSeconds(double[] Silos, double Postgres, double Test)
    {
        private static readonly double Tick = 100.0; // USER_HZ: Linux reports /proc times in 1/100 s

        public static CpuSeconds Take(SimulatedFleet fleet) =>
            new([.. fleet.Silos.Select(s => Of(s.Pid, children: false))], PostgresNow(), Of(Environment.ProcessId, children: false));

        public CpuSeconds Minus(CpuSeconds before) =>
            new([.. Silos.Zip(before.Silos, (a, b) => a - b)], Postgres - before.Postgres, Test - before.Test);

        public string Describe(int cases)
        {
            double total = Silos.Sum() + Postgres + Test;
            return string.Create(CultureInfo.InvariantCulture,
                $"silos {string.Join(" + ", Silos.Select(s => s.ToString("F1", CultureInfo.InvariantCulture)))} s, PostgreSQL {Postgres:F1} s, test process {Test:F1} s; " +
                $"{total * 1000 / cases:F2} ms of CPU per case ({Silos.Sum() * 1000 / cases:F2} in silos, {Postgres * 1000 / cases:F2} in PostgreSQL)");
        }

        private static double Of(int pid, bool children)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
                double ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
                if (children) ticks += double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
                return ticks / Tick;
            }
            catch (IOException)
            {
                return 0; // gone meanwhile
            }
        }

        private static double PostgresNow()
        {
            double sum = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "comm")).Trim() != "postgres") continue;
                }
                catch (IOException)
                {
                    continue;
                }
                catch (UnauthorizedAccessException)
                {
                    continue;
                }
                sum += Of(pid, children: true);
            }
            return sum;
        }
    }

    [GeneratedRegex(@"Sweep warm-\d+ started: ")]
    private static partial Regex HostedWarmUp();

    [GeneratedRegex(@"Sweep \S+ stored \d+ case transitions in \d+ writes|(?<=Sweep \S+ started: \d+ cases ).*(stored in \d+ ms)")]
    private static partial Regex WritesLine();
}
