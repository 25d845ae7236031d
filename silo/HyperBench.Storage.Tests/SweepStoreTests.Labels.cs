using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage.Tests;

// Labels on stored verdicts (detector quality, docs/regressions.md) on both databases.
public abstract partial class SweepStoreTests
{
    private async Task<string> StoredVerdictsAsync(SqlSweepStore store)
    {
        var r = TestData.Result(TestData.Case(64), sampleCount: 5);
        var a = await StoredSweepAsync(store, "t", TestData.Created, SweepStatus.Completed, r);
        var b = await StoredSweepAsync(store, "t", TestData.Created.AddHours(1), SweepStatus.Completed, r);
        RegressionVerdictRow Row(string comparison, string verdict, int hours) => new()
        {
            ComparisonId = comparison, BaselineSweepId = a.SweepId, CandidateSweepId = b.SweepId, CaseId = r.CaseId, Kernel = "flash", N = 64,
            Pass = "fwd", Dtype = "fp32", Verdict = verdict, Detail = "", DecidedUtc = TestData.Created.AddHours(hours),
        };
        await store.SaveVerdictsAsync([Row("cmp-old", "same", 2)], Ct);
        await store.SaveVerdictsAsync([Row("cmp-new", "slower", 3)], Ct);
        return r.CaseId;
    }

    [Fact]
    public async Task LabelVerdictAsync_KnownVerdict_StoresLabelTimeAndNoteAndReplacesAnEarlierLabel()
    {
        var store = await StoreAsync();
        string caseId = await StoredVerdictsAsync(store);

        Assert.True(await store.LabelVerdictAsync("cmp-new", caseId, VerdictLabels.TruePositive, "first look", TestData.Created.AddHours(4), Ct));
        Assert.True(await store.LabelVerdictAsync("cmp-new", caseId, VerdictLabels.FalsePositive, "machine was busy", TestData.Created.AddHours(5), Ct));

        var v = Assert.Single(await store.GetVerdictsAsync("cmp-new", Ct));
        Assert.Equal((VerdictLabels.FalsePositive, "machine was busy", TestData.Created.AddHours(5)), (v.Label, v.LabelNote, v.LabelledUtc));
        Assert.Null(Assert.Single(await store.GetVerdictsAsync("cmp-old", Ct)).Label);
    }

    [Fact]
    public async Task LabelVerdictAsync_UnknownComparisonOrCaseOrLabel_ChangesNothing()
    {
        var store = await StoreAsync();
        string caseId = await StoredVerdictsAsync(store);

        Assert.False(await store.LabelVerdictAsync("cmp-none", caseId, VerdictLabels.TruePositive, null, TestData.Created, Ct));
        Assert.False(await store.LabelVerdictAsync("cmp-new", "no-such-case", VerdictLabels.TruePositive, null, TestData.Created, Ct));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.LabelVerdictAsync("cmp-new", caseId, "maybe", null, TestData.Created, Ct));
        Assert.Contains("'maybe'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(await store.ListVerdictsAsync(labelledOnly: true, 10, Ct));
    }

    [Fact]
    public async Task ListVerdictsAsync_NewestFirstAndLabelledOnly()
    {
        var store = await StoreAsync();
        string caseId = await StoredVerdictsAsync(store);
        await store.LabelVerdictAsync("cmp-old", caseId, VerdictLabels.TruePositive, null, TestData.Created.AddHours(4), Ct);

        Assert.Equal(["cmp-new", "cmp-old"], (await store.ListVerdictsAsync(labelledOnly: false, 10, Ct)).Select(v => v.ComparisonId));
        Assert.Equal(["cmp-new"], (await store.ListVerdictsAsync(labelledOnly: false, 1, Ct)).Select(v => v.ComparisonId));
        var labelled = Assert.Single(await store.ListVerdictsAsync(labelledOnly: true, 10, Ct));
        Assert.Equal(("cmp-old", VerdictLabels.TruePositive), (labelled.ComparisonId, labelled.Label));
    }
}
