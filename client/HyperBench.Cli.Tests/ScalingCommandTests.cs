using System.Text.Json;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>
/// `hyperbench scaling` as a real process on an in-process silo with two CPU devices of one thread each (cpu:0-1,
/// HyperBench:CpuThreadsPerDevice = 1): the study is stored with the right shape, its speed-up and efficiency follow from the stored
/// times, and `scaling show` reads it back. Tiny layer (n = 256): the numbers are printed, never asserted against a threshold.
/// </summary>
public sealed class ScalingCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Dictionary<string, string?> OneThreadEach = new() { ["HyperBench__CpuThreadsPerDevice"] = "1" };

    [Fact]
    public async Task Strong_TwoCpuDevices_StoresPointsPerKAndRepeat_WithSpeedupFromStoredTimes()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, OneThreadEach, "scaling", "--device", "cpu:0-1", "--kernel", "flash", "--n", "256", "--heads", "2",
            "--k", "1,2", "--repeats", "2", "--db", "s.db", "--plot", "s.png", "--tag", "scaling-test");
        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Contains("speed-up", outcome.Output, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(dir, "s.png")).Length > 1000, "no plot written: " + outcome.Output);

        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "s.db"));
        var study = Assert.Single(await store.ListStudiesAsync(10, Ct));
        Assert.Contains(study.StudyId, outcome.Output, StringComparison.Ordinal);
        Assert.Equal((ScalingStatus.Strong, ScalingStatus.Completed, "1,2", 2, "scaling-test"), (study.Kind, study.Status, study.Ks, study.Repeats, study.Tag));
        var points = await store.GetPointsAsync(study.StudyId, Ct);
        Assert.Equal([(1, 1), (1, 2), (2, 1), (2, 2)], points.Select(p => (p.K, p.Repeat)));
        Assert.All(points, p => Assert.True(p.Seconds > 0, $"k={p.K} r={p.Repeat}: {p.Seconds} s"));
        Assert.All(points, p => Assert.Equal(p.K, p.Cases));
        // k = 2: the two shards ran on the two devices; every point names the model it ran on, the CPU's.
        Assert.All(points.Where(p => p.K == 2), p => Assert.Equal(2, p.DeviceKeys.Split(", ").Distinct().Count()));
        var devices = points.SelectMany(p => p.DeviceKeys.Split(", ")).Distinct().Order().ToList();
        Assert.Equal(2, devices.Count);
        Assert.All(devices, d => Assert.Matches(@"/cpu:[01]$", d));
        string model = Assert.Single(points.Select(p => p.DeviceModels).Distinct());
        Assert.False(string.IsNullOrWhiteSpace(model));
        Assert.Equal(model, study.DeviceModels);

        foreach (var p in points)
        {
            var sweep = await store.GetSweepAsync(p.SweepId, Ct);
            Assert.Equal(SweepStatus.Completed, sweep!.Status);
            Assert.Equal(p.Seconds, (sweep.FinishedUtc!.Value - sweep.CreatedUtc).TotalSeconds, 9);
            var results = await store.GetResultsAsync(p.SweepId, Ct);
            Assert.Equal(p.K, results.Count);
            // the layer is split by heads: 2 heads at k = 1, one head per shard at k = 2
            Assert.All(results, r => Assert.Equal(2 / p.K, r.Heads));
            Assert.All(results, r => Assert.Equal(model, r.DeviceName));
        }

        var show = CliProcess.Run(dir, "scaling", "show", study.StudyId, "--db", "s.db", "--format", "json");
        Assert.True(show.ExitCode == 0, show.Output);
        using var json = JsonDocument.Parse(show.Output);
        var lines = json.RootElement.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal([1, 2], lines.Select(l => l.GetProperty("k").GetInt32()));
        double t1 = Median(points.Where(p => p.K == 1).Select(p => p.Seconds));
        double t2 = Median(points.Where(p => p.K == 2).Select(p => p.Seconds));
        Assert.Equal(t1 / t2, lines[1].GetProperty("speedup").GetDouble(), 9);
        Assert.Equal(t1 / (2 * t2), lines[1].GetProperty("efficiency").GetDouble(), 9);
        Assert.Equal(1.0, lines[0].GetProperty("speedup").GetDouble(), 12);
        Assert.Equal(2, lines[1].GetProperty("seconds").GetArrayLength());
        TestContext.Current.SendDiagnosticMessage($"strong scaling, tiny layer: T1 {t1:F3} s, T2 {t2:F3} s, speed-up {t1 / t2:F2}");

        var list = CliProcess.Run(dir, "scaling", "list", "--db", "s.db");
        Assert.True(list.ExitCode == 0, list.Output);
        Assert.Contains(study.StudyId, list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_DeviceModelNoLocalDeviceHas_ExitsTwoNamingItAndStoresNoSweep()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd",
            "--min-samples", "1", "--budget", "0", "--device-model", "No Such GPU", "--db", "p.db");

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains("model 'No Such GPU'", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("stored", outcome.Output.Replace("Nothing stored", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static double Median(IEnumerable<double> values)
    {
        var s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
