using Dapper;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage.Tests;

// IRegressionStore on both databases: what `hyperbench compare` reads (samples, tags, schedules) and writes (regression_verdicts).
public abstract partial class SweepStoreTests
{
    private async Task<SweepRow> StoredSweepAsync(SqlSweepStore store, string tag, DateTime created, SweepStatus status, params CaseResult[] results)
    {
        var (sweep, cases) = TestData.Sweep([.. results.Select(r => r.Case)]);
        sweep.Tag = tag;
        sweep.CreatedUtc = created;
        await store.CreateSweepAsync(sweep, cases, Ct);
        foreach (var r in results) Assert.True(await store.SaveResultAsync(sweep.SweepId, r, TestData.Environment(), "node-a/cpu:0", 1, Ct));
        sweep.Status = status;
        await store.UpdateSweepAsync(sweep, Ct);
        return sweep;
    }

    [Fact]
    public async Task GetCaseSamplesAsync_StoredSweep_ReturnsOkCasesWithSamplesInOrderDeviceAndError()
    {
        var store = await StoreAsync();
        var hyper = TestData.Result(TestData.Case(256, KernelKind.Hyper), sampleCount: 12, withAccuracy: true);
        var flash = TestData.Result(TestData.Case(128), sampleCount: 7);
        var failed = TestData.Failed(TestData.Case(512));
        var sweep = await StoredSweepAsync(store, "t", TestData.Created, SweepStatus.Completed, hyper, flash, failed);

        var cases = await store.GetCaseSamplesAsync(sweep.SweepId, Ct);

        Assert.Equal(new[] { hyper.CaseId, flash.CaseId }.Order(StringComparer.Ordinal), cases.Select(c => c.CaseId));
        var h = cases.Single(c => c.CaseId == hyper.CaseId);
        Assert.Equal(hyper.Samples, h.Samples);
        Assert.Equal(0.012, h.RelativeError);
        Assert.Equal(("hyper", 256, false, "fwd", "fp32"), (h.Kernel, h.N, h.Causal, h.Pass, h.Dtype));
        Assert.Equal(("ILGPU CPU", "simd=avx2"), (h.DeviceName, h.DeviceDetail));
        var f = cases.Single(c => c.CaseId == flash.CaseId);
        Assert.Equal(flash.Samples, f.Samples);
        Assert.Null(f.RelativeError);
        Assert.Empty(await store.GetCaseSamplesAsync("no-such-sweep", Ct));
    }

    [Fact]
    public async Task GetCaseMediansAsync_EarlierSweeps_OldestFirstWithoutTheExcludedLaterOrOtherTag()
    {
        var store = await StoreAsync();
        var r = TestData.Result(TestData.Case(64), sampleCount: 5);
        var other = TestData.Result(TestData.Case(128), sampleCount: 5);
        var h1 = await StoredSweepAsync(store, "nightly", TestData.Created, SweepStatus.Completed, r, other);
        var h2 = await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(1), SweepStatus.Cancelled, r);
        var elsewhere = await StoredSweepAsync(store, "weekly", TestData.Created.AddHours(2), SweepStatus.Completed, r);
        var baseline = await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(3), SweepStatus.Completed, r);
        var candidate = await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(4), SweepStatus.Completed, r);
        await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(5), SweepStatus.Completed, r); // after the candidate

        var tagged = await store.GetCaseMediansAsync([r.CaseId], candidate.CreatedUtc, [baseline.SweepId, candidate.SweepId], "nightly", Ct);
        var any = await store.GetCaseMediansAsync([r.CaseId, other.CaseId], candidate.CreatedUtc, [baseline.SweepId, candidate.SweepId], null, Ct);

        Assert.Equal([h1.SweepId, h2.SweepId], tagged.Select(m => m.SweepId));
        Assert.All(tagged, m => Assert.Equal((r.CaseId, "ILGPU CPU", "simd=avx2"), (m.CaseId, m.DeviceName, m.DeviceDetail)));
        Assert.All(tagged, m => Assert.Equal(r.Statistics!.Median, m.MedianSeconds, 12));
        Assert.Equal([h1.CreatedUtc, h2.CreatedUtc], tagged.Select(m => m.CreatedUtc));
        string[] h1Cases = [.. new[] { r.CaseId, other.CaseId }.Order(StringComparer.Ordinal)];
        Assert.Equal([(h1.SweepId, h1Cases[0]), (h1.SweepId, h1Cases[1]), (h2.SweepId, r.CaseId), (elsewhere.SweepId, r.CaseId)],
            any.Select(m => (m.SweepId, m.CaseId)));
        Assert.Empty(await store.GetCaseMediansAsync([], candidate.CreatedUtc, [], null, Ct));
    }

    [Fact]
    public async Task FindTaggedSweepAsync_SeveralTagged_NewestCompletedBeforeTheGivenTime()
    {
        var store = await StoreAsync();
        var r = TestData.Result(TestData.Case(64), sampleCount: 5);
        var first = await StoredSweepAsync(store, "nightly", TestData.Created, SweepStatus.Completed, r);
        var second = await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(1), SweepStatus.Completed, r);
        await StoredSweepAsync(store, "nightly", TestData.Created.AddHours(2), SweepStatus.Cancelled, r);
        await StoredSweepAsync(store, "other", TestData.Created.AddHours(3), SweepStatus.Completed, r);

        Assert.Equal(second.SweepId, (await store.FindTaggedSweepAsync("nightly", cancellationToken: Ct))?.SweepId);
        Assert.Equal(first.SweepId, (await store.FindTaggedSweepAsync("nightly", second.CreatedUtc, second.SweepId, Ct))?.SweepId);
        Assert.Null(await store.FindTaggedSweepAsync("nightly", first.CreatedUtc, first.SweepId, Ct));
        Assert.Null(await store.FindTaggedSweepAsync("weekly", cancellationToken: Ct));
    }

    [Fact]
    public async Task GetScheduleRunsAsync_MigratedTable_NewestFirstSkippingRunsWithoutASweep()
    {
        var store = await StoreAsync();
        Assert.Empty(await store.GetScheduleRunsAsync("nightly", 2, Ct) ?? ["table missing"]);

        await using (var connection = await store.Dialect.OpenAsync(Ct))
        {
            // The table of migration 0006; compare reads (schedule_name, sweep_id, due_at_ms) of it.
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schedule_runs (schedule_name, due_at_ms, sweep_id, started_at_ms, status) VALUES ('nightly', 1, 'a', 1, 'completed'), " +
                "('nightly', 3, 'c', 3, 'completed'), ('nightly', 2, 'b', 2, 'completed'), ('nightly', 4, NULL, 4, 'failed'), ('weekly', 9, 'w', 9, 'completed')",
                cancellationToken: Ct));
        }

        Assert.Equal(["c", "b"], await store.GetScheduleRunsAsync("nightly", 2, Ct) ?? []);
        Assert.Empty(await store.GetScheduleRunsAsync("hourly", 2, Ct) ?? ["table missing"]);
    }

    [Fact]
    public async Task Schedules_AddListRemoveAndClaimEachDueTimeOnce()
    {
        var store = await StoreAsync();
        var created = new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc);
        Assert.True(await store.AddScheduleAsync(new ScheduleRow("nightly", "0 2 * * *", "{}", "tag:main", created), Ct));
        Assert.False(await store.AddScheduleAsync(new ScheduleRow("nightly", "0 3 * * *", "{\"x\":1}", null, created), Ct));
        var stored = Assert.Single(await store.ListSchedulesAsync(Ct));
        Assert.Equal(new ScheduleRow("nightly", "0 2 * * *", "{}", "tag:main", created), stored);

        var due = created;
        Assert.True(await store.TryClaimRunAsync("nightly", due, "s1", created, Ct));
        Assert.False(await store.TryClaimRunAsync("nightly", due, "s2", created, Ct)); // a second silo, same due time: not its run
        Assert.Null(await store.FindPreviousCompletedRunAsync("nightly", due.AddDays(1), Ct));
        await store.FinishRunAsync("nightly", due, ScheduleRunStatus.Completed, "cmp-1", "3 same", Ct);
        var run = Assert.Single(await store.ListScheduleRunsAsync("nightly", 10, Ct));
        Assert.Equal(new ScheduleRunRow("nightly", due, "s1", created, ScheduleRunStatus.Completed, "cmp-1", "3 same"), run);
        Assert.Equal("s1", (await store.FindPreviousCompletedRunAsync("nightly", due.AddDays(1), Ct))?.SweepId);
        Assert.Null(await store.FindPreviousCompletedRunAsync("nightly", due, Ct));

        Assert.True(await store.TryClaimRunAsync("nightly", due.AddDays(1), "s3", created.AddDays(1), Ct)); // still running at removal
        Assert.True(await store.RemoveScheduleAsync("nightly", Ct));
        Assert.False(await store.RemoveScheduleAsync("nightly", Ct));
        Assert.Empty(await store.ListSchedulesAsync(Ct));
        var runs = await store.ListScheduleRunsAsync("nightly", 10, Ct); // runs stay for history and compare
        Assert.Equal(2, runs.Count);
        Assert.Equal(run, runs.Single(r => r.DueUtc == due));
        // The run that was in progress has no schedule left to finish it: failed, saying why, not started for ever.
        Assert.Equal(new ScheduleRunRow("nightly", due.AddDays(1), "s3", created.AddDays(1), ScheduleRunStatus.Failed, null, SqlSweepStore.RemovedWhileRunning),
            runs.Single(r => r.DueUtc == due.AddDays(1)));
    }

    [Fact]
    public async Task SaveVerdictsAsync_ThenGet_RoundTripsEveryFieldAndKeepsTheFirst()
    {
        var store = await StoreAsync();
        var r = TestData.Result(TestData.Case(256, KernelKind.Hyper, causal: true), sampleCount: 5, withAccuracy: true);
        var baseline = await StoredSweepAsync(store, "t", TestData.Created, SweepStatus.Completed, r);
        var candidate = await StoredSweepAsync(store, "t", TestData.Created.AddHours(1), SweepStatus.Completed, r);
        var slower = new RegressionVerdictRow
        {
            ComparisonId = "cmp-1", BaselineSweepId = baseline.SweepId, CandidateSweepId = candidate.SweepId, CaseId = r.CaseId,
            Kernel = "hyper", N = 256, Causal = true, Pass = "fwd", Dtype = "fp32", BaselineSamples = 30, CandidateSamples = 31,
            BaselineMedianSeconds = 0.010, CandidateMedianSeconds = 0.0115, Change = 0.15, PValue = 1.5e-9, BaselineCv = 0.02, CandidateCv = 0.03,
            Verdict = "slower", BaselineRelativeError = 0.1, CandidateRelativeError = 0.2, ErrorChange = 1.0, ErrorRegressed = true,
            Detail = "median +15.0% beyond 5%", EffectThreshold = 0.05, Alpha = 0.01, CvLimit = 0.1, ErrorThreshold = 0.1, ErrorFloor = 0.005,
            BaselineRobustCv = 0.015, CandidateRobustCv = 0.025, HistoryRuns = 12, NoiseFloor = 0.03, AppliedThreshold = 0.1255, NoiseK = 4,
            DecidedUtc = TestData.Created.AddHours(2),
        };
        var insufficient = new RegressionVerdictRow
        {
            ComparisonId = "cmp-1", BaselineSweepId = baseline.SweepId, CandidateSweepId = candidate.SweepId, CaseId = "zz-other", Kernel = "flash",
            N = 64, Pass = "fwd", Dtype = "fp32", BaselineSamples = 3, CandidateSamples = 3, BaselineMedianSeconds = 0.001, CandidateMedianSeconds = double.NaN,
            Verdict = "insufficient", Detail = "3 vs 3 samples", EffectThreshold = 0.05, Alpha = 0.01, CvLimit = 0.1, ErrorThreshold = 0.1,
            ErrorFloor = 0.005, DecidedUtc = TestData.Created.AddHours(2),
        };

        await store.SaveVerdictsAsync([slower, insufficient], Ct);
        await store.SaveVerdictsAsync([new RegressionVerdictRow
        {
            ComparisonId = "cmp-1", BaselineSweepId = baseline.SweepId, CandidateSweepId = candidate.SweepId, CaseId = r.CaseId, Kernel = "x",
            Verdict = "same", Detail = "second write", DecidedUtc = TestData.Created,
        }], Ct);
        var loaded = await store.GetVerdictsAsync("cmp-1", Ct);

        Assert.Equal(2, loaded.Count);
        var s = loaded.Single(v => v.CaseId == r.CaseId);
        Assert.Equivalent(slower, s, strict: true);
        Assert.Null(s.Label);
        Assert.Null(s.LabelledUtc);
        var i = loaded.Single(v => v.CaseId == "zz-other");
        Assert.Null(i.CandidateMedianSeconds); // NaN is stored as NULL
        Assert.Null(i.PValue);
        Assert.Null(i.HistoryRuns); // not given: NULL, as in rows stored before migration 0009
        Assert.Null(i.NoiseFloor);
        Assert.Equal("insufficient", i.Verdict);
        Assert.Empty(await store.GetVerdictsAsync("cmp-2", Ct));
    }

    [Fact]
    public async Task SaveVerdictsAsync_UnknownVerdictWord_IsRefusedByTheSchema()
    {
        var store = await StoreAsync();
        var r = TestData.Result(TestData.Case(64), sampleCount: 5);
        var sweep = await StoredSweepAsync(store, "t", TestData.Created, SweepStatus.Completed, r);

        await Assert.ThrowsAnyAsync<Exception>(() => store.SaveVerdictsAsync([new RegressionVerdictRow
        {
            ComparisonId = "cmp-x", BaselineSweepId = sweep.SweepId, CandidateSweepId = sweep.SweepId, CaseId = r.CaseId, Kernel = "flash",
            Verdict = "worse", Detail = "", DecidedUtc = TestData.Created,
        }], Ct));
        Assert.Empty(await store.GetVerdictsAsync("cmp-x", Ct));
    }
}
