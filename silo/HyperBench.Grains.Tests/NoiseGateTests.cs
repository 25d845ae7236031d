using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// The noise gate end to end on one in-process silo with a cpu worker: which cases a sweep re-measures, in which child sweep, with
/// which budget, and how they are labelled. Deterministic through the limit: 0 makes every measured case noisy (every CV is at or
/// above 0, even that of two equal samples), +Infinity none.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NoiseGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sweep_CvLimitZero_ReMeasuresEveryCaseInOneLinkedChildAndLabelsThemNoisy()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 128, 192]) with { CvLimit = 0 };

        await cluster.Sweep("parent").StartAsync(plan);
        var parent = await cluster.WaitFinishedAsync("parent", Timeout, Ct);
        string child = NoiseGate.ChildSweepId("parent");
        var childStatus = await cluster.WaitFinishedAsync(child, Timeout, Ct);

        Assert.Equal((SweepStatus.Completed, 3, child), (parent.Status, parent.Done, parent.ChildSweepId));
        Assert.Equal((SweepStatus.Completed, 3, "parent", (string?)null), (childStatus.Status, childStatus.Done, childStatus.ParentSweepId, childStatus.ChildSweepId));
        var childRow = await store.GetSweepAsync(child, Ct);
        Assert.Equal("parent", childRow!.ParentSweepId);
        Assert.Equal(child, (await store.GetChildSweepAsync("parent", Ct))!.SweepId);
        Assert.Null(await store.GetChildSweepAsync(child, Ct)); // one round: the child has no child

        // The child's plan: the same cases, twice the min samples and four times the budget.
        var childPlan = PlanJson.Deserialize(childRow.PlanJson);
        var ids = plan.Grid.Expand().Select(c => c.Id).Order().ToArray();
        Assert.Equal(ids, childPlan.Cases!.Order());
        Assert.Equal((plan.Measurement.MinSamples * 2, plan.Measurement.BudgetSeconds * 4), (childPlan.Measurement.MinSamples, childPlan.Measurement.BudgetSeconds));

        // Separate rows keyed by (sweep, case), both labelled noisy (still above a limit of 0).
        var first = await store.GetResultsAsync("parent", Ct);
        var again = await store.GetResultsAsync(child, Ct);
        Assert.Equal(ids, first.Select(r => r.CaseId).Order());
        Assert.Equal(ids, again.Select(r => r.CaseId).Order());
        Assert.All(again, r => Assert.True(r.SampleCount >= plan.Measurement.MinSamples * 2));
        Assert.All(first.Concat(again), r => Assert.True(r.Noisy));
        Assert.All(again, r => Assert.NotNull(r.CoefficientOfVariation)); // judged: a CV was stored (it may be 0 for a tiny case)
    }

    [Fact]
    public async Task Sweep_CvLimitInfinite_CreatesNoChildAndLabelsNothing()
    {
        await using var store = await SqliteTestStore.CreateAsync(Ct);
        await using var cluster = await SweepCluster.StartAsync(store, silos: 1, cancellationToken: Ct);
        var plan = TinyPlans.Flash([64, 128]) with { CvLimit = double.PositiveInfinity };

        await cluster.Sweep("steady").StartAsync(plan);
        var status = await cluster.WaitFinishedAsync("steady", Timeout, Ct);

        Assert.Equal((SweepStatus.Completed, 2, (string?)null), (status.Status, status.Done, status.ChildSweepId));
        Assert.Null(await store.GetChildSweepAsync("steady", Ct));
        Assert.Null(await store.GetSweepAsync(NoiseGate.ChildSweepId("steady"), Ct));
        Assert.All(await store.GetResultsAsync("steady", Ct), r => Assert.Null(r.Noisy));
        Assert.Single(await store.ListSweepsAsync(cancellationToken: Ct));
        // The limit survives the stored text (+Infinity as a named literal).
        Assert.Equal(double.PositiveInfinity, PlanJson.Deserialize((await store.GetSweepAsync("steady", Ct))!.PlanJson).CvLimit);
    }

    [Fact]
    public async Task Start_CasesOutsideTheGrid_ThrowsNamingTheCase()
    {
        var plan = TinyPlans.Flash([64]) with { Cases = ["0123456789abcdef"] };

        var ex = Assert.Throws<ArgumentException>(plan.Validate);

        Assert.Contains("'0123456789abcdef'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(nameof(SweepPlan.Cases), ex.ParamName);
    }
}
