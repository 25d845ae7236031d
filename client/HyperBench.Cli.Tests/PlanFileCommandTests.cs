using HyperBench.Cli.Commands;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>
/// Plans as files and the noise gate through `sweep` as real processes on the embedded default (docs/plans.md, "Plan files";
/// docs/measurement.md, "Noise gate").
/// </summary>
public sealed class PlanFileCommandTests
{
    private static readonly string[] TinyPlan =
    [
        "--device", "cpu", "--kernel", "flash", "--n", "64,128", "--causal", "false", "--pass", "fwd",
        "--min-samples", "2", "--budget", "0", "--warmup", "0", "--warmup-time", "0",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SavePlan_ThenPlanAndFromSweep_RunTheSameCaseIdsAsNewSweeps()
    {
        string dir = CliProcess.TempDirectory();
        var saved = CliProcess.Run(dir, ["sweep", .. TinyPlan, "--tag", "cli", "--save-plan", "p.json"]);
        Assert.True(saved.ExitCode == 0, saved.Output);
        Assert.True(File.Exists(Path.Combine(dir, "p.json")), saved.Output);
        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        string first = Assert.Single(await store.ListSweepsAsync(10, Ct)).SweepId;

        var fromFile = CliProcess.Run(dir, "sweep", "--device", "cpu", "--plan", "p.json");
        Assert.True(fromFile.ExitCode == 0, fromFile.Output);
        var rerun = CliProcess.Run(dir, "sweep", "--device", "cpu", "--from-sweep", first, "--tag", "again");
        Assert.True(rerun.ExitCode == 0, rerun.Output);

        var sweeps = await store.ListSweepsAsync(10, Ct);
        Assert.Equal(3, sweeps.Select(s => s.SweepId).Distinct().Count());
        var ids = (await store.GetCasesAsync(first, Ct)).Select(c => c.CaseId).ToArray();
        Assert.Equal(2, ids.Length);
        foreach (var sweep in sweeps)
        {
            Assert.Equal(ids, (await store.GetCasesAsync(sweep.SweepId, Ct)).Select(c => c.CaseId));
            Assert.Equal(2, (await store.GetResultsAsync(sweep.SweepId, Ct)).Count);
        }
        Assert.Equal(["again", "cli", "cli"], sweeps.Select(s => s.Tag).Order());
        Assert.Equal(sweeps.Single(s => s.SweepId == first).PlanJson, sweeps.Single(s => s.Tag == "cli" && s.SweepId != first).PlanJson);
    }

    [Fact]
    public void DryRun_WithSavePlan_WritesTheFileAndStoresNothing()
    {
        string dir = CliProcess.TempDirectory();

        var outcome = CliProcess.Run(dir, ["sweep", .. TinyPlan, "--save-plan", "p.json", "--dry-run"]);

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Contains("2 cases", outcome.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "hyperbench-results")), "a dry run created the results database");
        var plan = PlanFile.Read(Path.Combine(dir, "p.json"));
        Assert.Equal([64, 128], plan.Grid.SeqLens);
        Assert.Null(plan.CvLimit); // the tests' environment turns the gate off (HYPERBENCH__CvLimit=off)
    }

    [Theory]
    [InlineData("{\"version\": 7, \"grid\": {}}", "version 7 is not known")]
    [InlineData("{\"version\": 1, \"grid\": {\"seq_lens\": [64]}, \"colour\": \"red\"}", "colour")]
    [InlineData("{\"version\": 1, \"grid\": {\"seq_lens\": [0]}}", "seq_lens: 0")]
    [InlineData("{\"version\": 1, \"grid\": {\"dtypes\": [\"fp8\"]}}", "fp8")]
    [InlineData("{\"version\": 1, \"measurement\": {\"budget_seconds\": -2}}", "-2")]
    public void Plan_BadFile_ExitsTwoNamingFileAndValueAndStoresNothing(string text, string expected)
    {
        string dir = CliProcess.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "bad.json"), text);

        var outcome = CliProcess.Run(dir, "sweep", "--device", "cpu", "--plan", "bad.json");

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains("plan file 'bad.json'", outcome.Output, StringComparison.Ordinal);
        Assert.Contains(expected, outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "hyperbench-results")), "a refused plan created the results database");
    }

    [Fact]
    public void ShippedPlans_PaperEqualsThePresetAndCiSmokeIsSmallAndValid()
    {
        string plans = Path.Combine(RepositoryRoot(), "infra", "plans");
        // What `sweep --preset paper --save-plan` builds, with the noise gate's default limit written out.
        var settings = new SweepSettings { Preset = "paper", CvLimit = NoiseGate.DefaultCvLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var preset = PlanBuilder.Build(settings.ToPlanOptions(gpu: false));

        var paper = PlanFile.Read(Path.Combine(plans, "paper.json"));
        var smoke = PlanFile.Read(Path.Combine(plans, "ci-smoke.json"));

        Assert.Equal(PlanJson.Serialize(preset), PlanJson.Serialize(paper));
        Assert.Equal(preset.Grid.Expand().Select(c => c.Id), paper.ExpandCases().Select(c => c.Id));
        Assert.Equal(96, paper.ExpandCases().Count);
        Assert.Equal(8, smoke.ExpandCases().Count);
        Assert.Equal("ci-smoke", smoke.Tag);
    }

    [Fact]
    public void Plan_WithExplicitPlanOptionsEvenAtTheirDefaults_RefusedNamingThem()
    {
        string dir = CliProcess.TempDirectory();
        File.Copy(Path.Combine(RepositoryRoot(), "infra", "plans", "ci-smoke.json"), Path.Combine(dir, "p.json"));

        var outcome = CliProcess.Run(dir, "sweep", "--device", "cpu", "--plan", "p.json", "--budget", "1", "--preset", "paper", "--max-attempts", "3");

        Assert.True(outcome.ExitCode == 2, outcome.Output);
        Assert.Contains("--preset, --max-attempts", outcome.Output.ReplaceLineEndings(""), StringComparison.Ordinal);
        Assert.Contains("--budget", outcome.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "hyperbench-results")), "a refused plan created the results database");
    }

    [Fact]
    public async Task Sweep_CvLimitZero_ReMeasuresInALinkedChildThatResultsNames()
    {
        string dir = CliProcess.TempDirectory();

        var outcome = CliProcess.Run(dir, ["sweep", .. TinyPlan, "--cv-limit", "0"]);

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        var sweeps = await store.ListSweepsAsync(10, Ct);
        Assert.Equal(2, sweeps.Count);
        var parent = sweeps.Single(s => s.ParentSweepId is null);
        var child = sweeps.Single(s => s.ParentSweepId == parent.SweepId);
        Assert.Equal(NoiseGate.ChildSweepId(parent.SweepId), child.SweepId);
        Assert.Equal((SweepStatus.Completed, 2), (child.Status, child.DoneCount));
        Assert.Contains($"noise gate: re-measured 2 case(s) of sweep {parent.SweepId} in {child.SweepId}: 0 settled, 2 still noisy",
            outcome.Output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.All(await store.GetResultsAsync(child.SweepId, Ct), r => Assert.True(r.Noisy));

        var results = CliProcess.Run(dir, "results", parent.SweepId);
        Assert.True(results.ExitCode == 0, results.Output);
        Assert.Contains(child.SweepId, results.Output, StringComparison.Ordinal);
        Assert.Contains("2 still noisy", results.Output, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperBench.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no HyperBench.slnx above {AppContext.BaseDirectory}");
    }
}
