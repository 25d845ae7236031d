using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage.Tests;

/// <summary>The history query on both databases: every stored result of a case oldest first, with its sweep and commit, filtered.</summary>
public abstract class HistoryQueryTests : IAsyncLifetime
{
    private readonly List<SqlSweepStore> _stores = [];
    private readonly List<string> _databases = [];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract Task DropDatabaseAsync(string db);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        foreach (var db in _databases) await DropDatabaseAsync(db);
        GC.SuppressFinalize(this);
    }

    private async Task<SqlSweepStore> NewStoreAsync()
    {
        string db = await CreateDatabaseAsync();
        _databases.Add(db);
        var store = SweepStoreFactory.Create(db);
        _stores.Add(store);
        await store.MigrateAsync(Ct);
        return store;
    }

    /// <summary>Three runs (commits c1..c3, one day apart; the last one tagged "weekly") of flash 4k, flash 8k causal and hyper 4k; flash 8k fails in c2.</summary>
    private static async Task<List<string>> StoreRunsAsync(SqlSweepStore store)
    {
        BenchmarkCase flash4 = TestData.Case(4096), flash8 = TestData.Case(8192, causal: true), hyper4 = TestData.Case(4096, KernelKind.Hyper);
        var ids = new List<string>();
        for (int run = 1; run <= 3; run++)
        {
            var (sweep, cases) = TestData.Sweep(flash4, flash8, hyper4);
            sweep.CreatedUtc = TestData.Created.AddDays(run);
            sweep.Tag = run == 3 ? "weekly" : "nightly";
            await store.CreateSweepAsync(sweep, cases, Ct);
            var environment = TestData.Environment() with { GitCommit = $"c{run}" };
            await store.SaveResultAsync(sweep.SweepId, TestData.Result(flash4, sampleCount: 20 + run), environment, "node-a/cpu:0", 1, Ct);
            await store.SaveResultAsync(sweep.SweepId, run == 2 ? TestData.Failed(flash8) : TestData.Result(flash8), environment, "node-a/cpu:0", 1, Ct);
            await store.SaveResultAsync(sweep.SweepId, TestData.Result(hyper4), environment, "node-a/cpu:0", 1, Ct);
            ids.Add(sweep.SweepId);
        }
        return ids;
    }

    [Fact]
    public async Task History_EveryCaseOldestFirst_WithSweepCommitAndMedian_FailedLeftOut()
    {
        var store = await NewStoreAsync();
        var ids = await StoreRunsAsync(store);

        var all = await store.GetHistoryAsync(new HistoryFilter(), Ct);

        Assert.Equal(8, all.Count); // 3 + 2 (one failed) + 3
        var flash4 = all.Where(p => p.CaseId == TestData.Case(4096).Id).ToList();
        Assert.Equal(ids, flash4.Select(p => p.SweepId));
        Assert.Equal(["c1", "c2", "c3"], flash4.Select(p => p.GitCommit));
        Assert.Equal([21, 22, 23], flash4.Select(p => p.SampleCount));
        Assert.Equal(SampleStatistics.From(TestData.Samples(21)).Median, flash4[0].MedianSeconds);
        Assert.Equal(("flash", 4096, false, "fwd", "fp32", "ILGPU CPU", "nightly"),
            (flash4[0].Kernel, flash4[0].N, flash4[0].Causal, flash4[0].Pass, flash4[0].Dtype, flash4[0].DeviceModel, flash4[0].Tag));
        Assert.Equal(TestData.Created.AddDays(1), flash4[0].SweepCreatedUtc);
        Assert.True(flash4[0].RecordedUtc <= flash4[1].RecordedUtc && flash4[1].RecordedUtc <= flash4[2].RecordedUtc);
        Assert.Equal(["c1", "c3"], all.Where(p => p.N == 8192).Select(p => p.GitCommit));
    }

    [Fact]
    public async Task History_Filters_KeepOnlyMatchingRows()
    {
        var store = await NewStoreAsync();
        var ids = await StoreRunsAsync(store);

        Assert.Equal(3, (await store.GetHistoryAsync(new HistoryFilter { Kernels = ["flash"], SeqLens = [4096] }, Ct)).Count);
        Assert.All(await store.GetHistoryAsync(new HistoryFilter { Causal = [true] }, Ct), p => Assert.Equal(8192, p.N));
        Assert.Equal(6, (await store.GetHistoryAsync(new HistoryFilter { Causal = [false, true], Kernels = ["flash", "hyper"], SeqLens = [4096] }, Ct)).Count);
        Assert.Equal(3, (await store.GetHistoryAsync(new HistoryFilter { Kernels = ["hyper"], Passes = ["fwd"], Dtypes = ["fp32"], DeviceModels = ["ILGPU CPU"] }, Ct)).Count);
        Assert.Empty(await store.GetHistoryAsync(new HistoryFilter { Dtypes = ["bf16"] }, Ct));
        Assert.Empty(await store.GetHistoryAsync(new HistoryFilter { DeviceModels = ["NVIDIA H200"] }, Ct));
        var weekly = await store.GetHistoryAsync(new HistoryFilter { Tag = "weekly" }, Ct);
        Assert.Equal(3, weekly.Count);
        Assert.All(weekly, p => Assert.Equal(ids[2], p.SweepId));

        Assert.Equal(["nightly", "weekly"], await store.ListTagsAsync(Ct));
        Assert.Equal(["ILGPU CPU"], await store.ListDeviceModelsAsync(Ct));
    }

    [Fact]
    public async Task Schedule_OnlyTheScheduleRunsSweeps()
    {
        var store = await NewStoreAsync();
        var ids = await StoreRunsAsync(store);
        Assert.True(await store.SchedulesExistAsync(Ct)); // migration 0006

        Assert.True(await store.TryClaimRunAsync("nightly", new DateTime(2026, 12, 1, 2, 0, 0, DateTimeKind.Utc), ids[1], DateTime.UtcNow, Ct));

        var runs = await store.GetHistoryAsync(new HistoryFilter { Schedule = "nightly" }, Ct);
        Assert.Equal(2, runs.Count); // run 2: flash 4k and hyper 4k (its flash 8k failed)
        Assert.All(runs, p => Assert.Equal("c2", p.GitCommit));
    }
}

/// <summary><see cref="HistoryQueryTests"/> on a SQLite file.</summary>
public sealed class SqliteHistoryQueryTests : HistoryQueryTests
{
    protected override Task<string> CreateDatabaseAsync() =>
        Task.FromResult(Path.Combine(Directory.CreateTempSubdirectory("hyperbench-history-").FullName, "results.db"));

    protected override Task DropDatabaseAsync(string db)
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(db)!, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}

/// <summary><see cref="HistoryQueryTests"/> on PostgreSQL (a fresh database per test).</summary>
public sealed class PostgresHistoryQueryTests(PostgresFixture postgres) : HistoryQueryTests
{
    protected override Task<string> CreateDatabaseAsync() => postgres.CreateDatabaseAsync(Ct);

    protected override Task DropDatabaseAsync(string db) => postgres.DropDatabaseAsync(db);
}
