namespace HyperBench.Storage.Tests;

// IScalingStore on both databases (migration 0007): what `hyperbench scaling` writes and `scaling show` reads.
public abstract partial class SweepStoreTests
{
    [Fact]
    public async Task ScalingStudy_CreatePointsFinish_ReadsBackInOrder_AndAPointIsKeptOnce()
    {
        var store = await StoreAsync();
        var created = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
        await store.CreateStudyAsync(new ScalingStudyRow("study-1", ScalingStatus.Strong, ScalingStatus.Running, "{\"heads\":[4]}", "1,2", 2,
            "in-process silo (cpu:0-1)", "CPU X", "t", created, null, null), Ct);
        // Stored out of order, and one twice (a retried write): read back by k then repeat, the first kept.
        await store.AddPointAsync(new ScalingPointRow("study-1", 2, 1, "s-k2-r1", 0.6, 2, "a/cpu:0, a/cpu:1", "CPU X", created), Ct);
        await store.AddPointAsync(new ScalingPointRow("study-1", 1, 2, "s-k1-r2", 1.1, 1, "a/cpu:1", "CPU X", created), Ct);
        await store.AddPointAsync(new ScalingPointRow("study-1", 1, 1, "s-k1-r1", 1.0, 1, "a/cpu:0", "CPU X", created), Ct);
        await store.AddPointAsync(new ScalingPointRow("study-1", 1, 1, "s-k1-r1-again", 9.0, 1, "a/cpu:0", "CPU X", created), Ct);
        await store.FinishStudyAsync("study-1", ScalingStatus.Completed, "CPU X", null, created.AddMinutes(1), Ct);

        var study = await store.GetStudyAsync("study-1", Ct);
        var points = await store.GetPointsAsync("study-1", Ct);

        Assert.Equal((ScalingStatus.Completed, "1,2", 2, created.AddMinutes(1)), (study!.Status, study.Ks, study.Repeats, study.FinishedUtc));
        Assert.Equal([(1, 1, 1.0), (1, 2, 1.1), (2, 1, 0.6)], points.Select(p => (p.K, p.Repeat, p.Seconds)));
        Assert.Equal("a/cpu:0, a/cpu:1", points[2].DeviceKeys);
        Assert.Equal("study-1", Assert.Single(await store.ListStudiesAsync(5, Ct)).StudyId);
        Assert.Null(await store.GetStudyAsync("nope", Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.FinishStudyAsync("study-1", "done", null, null, created, Ct));
    }
}
