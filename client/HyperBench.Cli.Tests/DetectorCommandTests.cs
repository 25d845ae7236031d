using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>`hyperbench detector evaluate` through the real CLI: real `kernels bench` child processes on the cpu backend.</summary>
public sealed class DetectorEvaluateCommandTests
{
    private readonly string _dir = CliProcess.TempDirectory();

    [Fact]
    public void Evaluate_ThreeRealRuns_PrintsRatesInRangeWithConsistentCounts()
    {
        var outcome = CliProcess.Run(_dir, "detector", "evaluate", "--runs", "3", "--kernel", "flash", "-n", "64,128", "--min-samples", "6",
            "--budget", "0", "--slowdowns", "10%,20%", "--thresholds", "5%,10%", "--format", "json", "--keep", "runs", "--calibration-runs", "0");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        using var json = JsonDocument.Parse(outcome.Output[outcome.Output.IndexOf('{', StringComparison.Ordinal)..]);
        var root = json.RootElement;
        Assert.Equal((3, 2, 2), (root.GetProperty("runs").GetInt32(), root.GetProperty("pairs").GetInt32(), root.GetProperty("cases").GetInt32()));
        Assert.True(root.GetProperty("samples").GetInt32() >= 3 * 2 * 6);
        // Two earlier runs at most: below the 5 a noise floor needs, so every comparison fell back to the plain threshold.
        Assert.Equal((0, 4, 4), (root.GetProperty("calibration_runs").GetInt32(), root.GetProperty("comparisons").GetInt32(), root.GetProperty("fallbacks").GetInt32()));
        Assert.Equal(JsonValueKind.Null, root.GetProperty("median_noise_floor").ValueKind);
        var thresholds = root.GetProperty("thresholds").EnumerateArray().ToList();
        Assert.Equal([0.05, 0.10], thresholds.Select(t => t.GetProperty("effect").GetDouble()));
        foreach (var t in thresholds)
        {
            var aa = t.GetProperty("aa");
            Assert.Equal(4, aa.GetProperty("total").GetInt32()); // 2 pairs x 2 cases
            Assert.Equal(4, new[] { "slower", "faster", "same", "noisy", "insufficient" }.Sum(k => aa.GetProperty(k).GetInt32()));
            Assert.Equal(aa.GetProperty("slower").GetInt32() + aa.GetProperty("faster").GetInt32(), t.GetProperty("false_positives").GetInt32());
            Assert.InRange(t.GetProperty("false_positive_rate").GetDouble(), 0, 1);
            Assert.Equal(t.GetProperty("false_positives").GetInt32() / 4.0, t.GetProperty("false_positive_rate").GetDouble());
            var injected = t.GetProperty("injected").EnumerateArray().ToList();
            Assert.Equal([0.10, 0.20], injected.Select(d => d.GetProperty("slowdown").GetDouble()));
            foreach (var d in injected)
            {
                Assert.Equal(4, d.GetProperty("counts").GetProperty("total").GetInt32());
                Assert.Equal(d.GetProperty("detected").GetInt32() / 4.0, d.GetProperty("detection_rate").GetDouble());
                Assert.InRange(d.GetProperty("detection_rate").GetDouble(), 0, 1);
            }
        }
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_dir, "runs"), "run-*.json").Length);

        // The kept runs evaluate again without measuring: same counts, other thresholds on request, as a table.
        var again = CliProcess.Run(_dir, "detector", "evaluate", "--from-runs", "runs", "--slowdowns", "10%,20%", "--thresholds", "5%,10%", "--format", "json",
            "--calibration-runs", "0");
        Assert.True(again.ExitCode == 0, again.Output);
        using var json2 = JsonDocument.Parse(again.Output[again.Output.IndexOf('{', StringComparison.Ordinal)..]);
        Assert.Equal(root.GetProperty("thresholds").ToString(), json2.RootElement.GetProperty("thresholds").ToString());
        var table = CliProcess.Run(_dir, "detector", "evaluate", "--from-runs", "runs", "--thresholds", "2%", "--calibration-runs", "0");
        Assert.True(table.ExitCode == 0, table.Output);
        Assert.Contains("2 A/A pairs x 2 cases", table.Output, StringComparison.Ordinal);
        Assert.Contains("detected +20.0%", table.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--runs=1", "'1'")]
    [InlineData("--slowdowns=ten", "'ten'")]
    [InlineData("--thresholds=5%,x", "'x'")]
    [InlineData("--format=xml", "'xml'")]
    [InlineData("--min-samples=2", "'2'")]
    [InlineData("--alpha=2", "'2'")]
    [InlineData("--from-runs=no-such-dir", "'no-such-dir'")]
    [InlineData("--kernel=bogus", "bogus")]
    [InlineData("--keep=a-file", "'a-file'")]
    [InlineData("--calibration-runs=1", "'1'")]
    [InlineData("--noise-k=-1", "'-1'")]
    [InlineData("--history=2", "'2'")]
    public void Evaluate_BadInput_ExitsTwoNamingTheValue(string option, string named)
    {
        File.WriteAllText(Path.Combine(_dir, "a-file"), "not a directory");
        var outcome = CliProcess.Run(_dir, "detector", "evaluate", "--runs", "2", "--budget", "0", "--calibration-runs", "0", option);

        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}\n{outcome.Output}");
        Assert.Contains(named, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output, StringComparison.Ordinal);
    }
}

/// <summary>
/// `hyperbench verdict label | list | stats` on a real SQLite database holding the verdicts of a real `compare` of two tiny real sweeps.
/// </summary>
public sealed class VerdictCommandFixture : IAsyncLifetime
{
    public string Directory { get; } = CliProcess.TempDirectory();

    public string ComparisonId { get; private set; } = "";

    public IReadOnlyList<string> CaseIds { get; private set; } = [];

    public ValueTask InitializeAsync()
    {
        string[] plan = ["sweep", "--device", "cpu", "--kernel", "flash", "-n", "64,128", "--causal", "false", "--pass", "fwd", "--batch", "1",
            "--heads", "1", "-d", "64", "--min-samples", "6", "--budget", "0", "--db", "hb.db"];
        var ids = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var sweep = CliProcess.Run(Directory, plan);
            Assert.True(sweep.ExitCode == 0, sweep.Output);
            ids.Add(Regex.Match(sweep.Output, @"sweep (\S+) completed").Groups[1].Value);
        }
        var compare = CliProcess.Run(Directory, "compare", ids[0], ids[1], "--format", "json", "--db", "hb.db");
        Assert.True(compare.ExitCode is 0 or 1, compare.Output);
        using var json = JsonDocument.Parse(compare.Output[compare.Output.IndexOf('{', StringComparison.Ordinal)..]);
        ComparisonId = json.RootElement.GetProperty("comparison_id").GetString()!;
        CaseIds = [.. json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("case_id").GetString()!)];
        return ValueTask.CompletedTask;
    }

    public async Task<IReadOnlyList<RegressionVerdictRow>> VerdictsAsync()
    {
        await using var store = await SweepStoreFactory.OpenReadOnlyAsync(Path.Combine(Directory, "hb.db"), cancellationToken: TestContext.Current.CancellationToken);
        return await ((IRegressionStore)store).GetVerdictsAsync(ComparisonId, TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }
}

public sealed class VerdictCommandTests(VerdictCommandFixture db) : IClassFixture<VerdictCommandFixture>
{
    private CliProcess.Outcome Run(params string[] args) => CliProcess.Run(db.Directory, [.. args, "--db", "hb.db"]);

    [Fact]
    public async Task Label_RoundTripAndPrecisionRecallFromLabels()
    {
        Assert.Equal(2, db.CaseIds.Count);
        var verdicts = await db.VerdictsAsync();

        var first = Run("verdict", "label", db.ComparisonId, db.CaseIds[0], "--true-positive", "--note", "bisected to a commit");
        Assert.True(first.ExitCode == 0, first.Output);
        var second = Run("verdict", "label", db.ComparisonId, db.CaseIds[1], "--false-positive");
        Assert.True(second.ExitCode == 0, second.Output);

        var stored = await db.VerdictsAsync();
        var a = stored.Single(v => v.CaseId == db.CaseIds[0]);
        Assert.Equal((VerdictLabels.TruePositive, "bisected to a commit"), (a.Label, a.LabelNote));
        Assert.NotNull(a.LabelledUtc);
        var b = stored.Single(v => v.CaseId == db.CaseIds[1]);
        Assert.Equal((VerdictLabels.FalsePositive, (string?)null), (b.Label, b.LabelNote));

        var list = Run("verdict", "list", "--labelled", "--format", "json");
        Assert.True(list.ExitCode == 0, list.Output);
        using (var json = JsonDocument.Parse(list.Output[list.Output.IndexOf('[', StringComparison.Ordinal)..]))
            Assert.Equal(db.CaseIds.Order(StringComparer.Ordinal), json.RootElement.EnumerateArray().Select(r => r.GetProperty("case_id").GetString()!).Order(StringComparer.Ordinal));

        // Expected quadrants from the stored verdicts themselves (the timings are real): case 0 really regressed, case 1 did not.
        bool slower0 = verdicts.Single(v => v.CaseId == db.CaseIds[0]).Verdict == "slower";
        bool slower1 = verdicts.Single(v => v.CaseId == db.CaseIds[1]).Verdict == "slower";
        int tp = slower0 ? 1 : 0, fn = slower0 ? 0 : 1, fp = slower1 ? 1 : 0, tn = slower1 ? 0 : 1;
        var stats = Run("verdict", "stats", "--format", "json");
        Assert.True(stats.ExitCode == 0, stats.Output);
        using var s = JsonDocument.Parse(stats.Output[stats.Output.IndexOf('{', StringComparison.Ordinal)..]);
        var r = s.RootElement;
        Assert.Equal((2, tp, fp, fn, tn), (r.GetProperty("labelled").GetInt32(), r.GetProperty("true_positives").GetInt32(),
            r.GetProperty("false_positives").GetInt32(), r.GetProperty("false_negatives").GetInt32(), r.GetProperty("true_negatives").GetInt32()));
        Assert.Equal((double)tp / (tp + fn), r.GetProperty("recall").GetDouble());
        if (tp + fp == 0) Assert.Equal(JsonValueKind.Null, r.GetProperty("precision").ValueKind);
        else Assert.Equal((double)tp / (tp + fp), r.GetProperty("precision").GetDouble());

        var table = Run("verdict", "stats");
        Assert.Contains("2 labelled verdict(s)", table.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-comparison", "case", "--true-positive", "'no-such-comparison'")]
    [InlineData("", "no-such-case", "--true-positive", "'no-such-case'")]
    [InlineData("", "", "", "exactly one of")]
    [InlineData("", "", "--both", "exactly one of")]
    public async Task Label_BadInput_ExitsTwoNamingTheValueAndStoresNothing(string comparison, string caseId, string flag, string named)
    {
        var before = (await db.VerdictsAsync()).Select(v => (v.CaseId, v.Label, v.LabelNote, v.LabelledUtc)).ToList();
        string[] flags = flag switch { "" => [], "--both" => ["--true-positive", "--false-positive"], _ => [flag] };

        var outcome = Run(["verdict", "label", comparison.Length > 0 ? comparison : db.ComparisonId, caseId.Length > 0 ? caseId : db.CaseIds[0], .. flags,
            "--note", "should not be stored"]);

        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}\n{outcome.Output}");
        Assert.Contains(named, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("should not be stored", (await db.VerdictsAsync()).Select(v => v.LabelNote ?? ""));
        Assert.True(before.Count == (await db.VerdictsAsync()).Count);
    }

    [Theory]
    [InlineData("list", "--format=xml", "'xml'")]
    [InlineData("list", "--limit=0", "'0'")]
    [InlineData("stats", "--format=csv", "'csv'")]
    public void ListAndStats_BadInput_ExitTwo(string verb, string option, string named)
    {
        var outcome = Run("verdict", verb, option);

        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}\n{outcome.Output}");
        Assert.Contains(named, outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_DatabaseUnreachable_ExitsThree()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var outcome = CliProcess.Run(db.Directory, new Dictionary<string, string?> { ["HYPERBENCH_DB_RETRY_SECONDS"] = "1" },
            "verdict", "label", "a", "b", "--true-positive", "--db", $"Host=127.0.0.1;Port={port};Database=hb;Username=bench;Password=pw");

        Assert.True(outcome.ExitCode == 3, $"exit {outcome.ExitCode}\n{outcome.Output}");
        Assert.Contains($"127.0.0.1:{port}", outcome.Output, StringComparison.Ordinal);
    }
}
