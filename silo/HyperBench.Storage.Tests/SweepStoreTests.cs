using System.Data.Common;
using System.Diagnostics;
using Dapper;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Kernels.Telemetry;
using HyperBench.Storage;

namespace HyperBench.Storage.Tests;

/// <summary>
/// The storage tests, written once and run against both databases by the derived classes
/// (<see cref="SqliteSweepStoreTests"/>, <see cref="PostgresSweepStoreTests"/>). Each test gets a fresh database.
/// </summary>
public abstract partial class SweepStoreTests : IAsyncLifetime
{
    private readonly List<SqlSweepStore> _stores = [];
    private readonly List<string> _databases = [];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new empty database, as the value given to <see cref="SweepStoreFactory.Create"/>.</summary>
    protected abstract Task<string> CreateDatabaseAsync();

    protected abstract Task DropDatabaseAsync(string db);

    protected abstract string ExpectedProvider { get; }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        foreach (var db in _databases) await DropDatabaseAsync(db);
        GC.SuppressFinalize(this);
    }

    protected async Task<string> NewDatabaseAsync()
    {
        string db = await CreateDatabaseAsync();
        _databases.Add(db);
        return db;
    }

    protected SqlSweepStore Open(string db, SweepStoreOptions? options = null)
    {
        var store = SweepStoreFactory.Create(db, options: options);
        _stores.Add(store);
        return store;
    }

    /// <summary>A migrated store on a fresh database.</summary>
    protected async Task<SqlSweepStore> StoreAsync()
    {
        var store = Open(await NewDatabaseAsync());
        await store.MigrateAsync(Ct);
        return store;
    }

    protected static async Task<T> ScalarAsync<T>(SqlSweepStore store, string sql, object? parameters = null)
    {
        await using DbConnection connection = await store.Dialect.OpenAsync(Ct);
        return await connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: Ct)) ?? throw new InvalidOperationException(sql);
    }

    [Fact]
    public async Task MigrateAsync_AppliedThreeTimes_RecordsEachMigrationOnce()
    {
        var store = await StoreAsync();
        await store.MigrateAsync(Ct);
        await store.MigrateAsync(Ct);

        await using var connection = await store.Dialect.OpenAsync(Ct);
        var versions = (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations ORDER BY version", cancellationToken: Ct))).ToList();
        Assert.Equal(Migration.LoadEmbedded().Select(m => m.Version), versions);
        Assert.Equal(ExpectedProvider, store.Provider);
        foreach (var table in new[] { "sweeps", "sweep_cases", "results", "samples", "statistics", "accuracy", "environments", "devices" })
            Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT COUNT(*) FROM {table}", cancellationToken: Ct)));
    }

    [Fact]
    public async Task MigrateAsync_TwoStoresAtOnce_AppliesEachMigrationOnce()
    {
        string db = await NewDatabaseAsync();
        var stores = Enumerable.Range(0, 3).Select(_ => Open(db)).ToList();

        await Task.WhenAll(stores.Select(s => s.MigrateAsync(Ct))).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        long applied = await ScalarAsync<long>(stores[0], "SELECT COUNT(*) FROM schema_migrations");
        Assert.Equal(Migration.LoadEmbedded().Count, applied);
    }

    [Fact]
    public async Task CreateSweepAsync_ThenGetAndList_RoundTripsEveryField()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256), TestData.Case(512, KernelKind.Hyper, causal: true));
        var (older, _) = TestData.Sweep(TestData.Case(64));
        older.CreatedUtc = TestData.Created.AddHours(-1);
        older.Tag = null;

        await store.CreateSweepAsync(older, [], Ct);
        await store.CreateSweepAsync(sweep, cases, Ct);

        var loaded = await store.GetSweepAsync(sweep.SweepId, Ct);
        Assert.NotNull(loaded);
        Assert.Equal("nightly", loaded.Tag);
        Assert.Equal(sweep.PlanJson, loaded.PlanJson);
        Assert.Equal(sweep.MeasurementJson, loaded.MeasurementJson);
        Assert.Equal(SweepStatus.Running, loaded.Status);
        Assert.Equal(TestData.Created, loaded.CreatedUtc);
        Assert.Equal(DateTimeKind.Utc, loaded.CreatedUtc.Kind);
        Assert.Null(loaded.FinishedUtc);
        Assert.Equal(3, loaded.CaseCount);
        Assert.Null(await store.GetSweepAsync("no-such-sweep", Ct));

        var listed = await store.ListSweepsAsync(10, Ct);
        Assert.Equal([sweep.SweepId, older.SweepId], listed.Select(s => s.SweepId));
        Assert.Null(listed[1].Tag);
        Assert.Single(await store.ListSweepsAsync(1, Ct));

        var storedCases = await store.GetCasesAsync(sweep.SweepId, Ct);
        Assert.Equal(cases.Select(c => c.CaseId), storedCases.Select(c => c.CaseId));
        Assert.Equal([0, 1, 2], storedCases.Select(c => c.Ordinal));
        Assert.All(storedCases, c => Assert.Equal(CaseStatus.Pending, c.Status));
        Assert.Equal(TestData.Case(512, KernelKind.Hyper, causal: true), CaseJson.Deserialize(storedCases[2].CaseJson));
    }

    // The words existing databases hold: spelled out here, so that renaming an enum member cannot silently change what is stored.
    public static TheoryData<CaseStatus, string> CaseWords => new()
    {
        { CaseStatus.Pending, "pending" }, { CaseStatus.Leased, "leased" }, { CaseStatus.Done, "done" }, { CaseStatus.Failed, "failed" },
        { CaseStatus.Cancelled, "cancelled" }, { CaseStatus.Skipped, "skipped" },
    };

    [Theory]
    [MemberData(nameof(CaseWords))]
    public async Task UpdateCaseAsync_EveryCaseStatus_StoresItsWordAndReadsBackTheStatus(CaseStatus status, string word)
    {
        Assert.Equal(Enum.GetValues<CaseStatus>().Length, CaseWords.Count);
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128));
        await store.CreateSweepAsync(sweep, cases, Ct);
        var row = cases[0];
        row.Status = status;
        row.SkipReason = status == CaseStatus.Skipped ? "no device can hold it: needs 9.00 GiB, largest has 1.00 GiB (h:1/cpu)" : null;

        await store.UpdateCaseAsync(row, Ct);

        Assert.Equal(word, await ScalarAsync<string>(store, "SELECT status FROM sweep_cases WHERE case_id = @CaseId", new { row.CaseId }));
        var loaded = Assert.Single(await store.GetCasesAsync(sweep.SweepId, Ct));
        Assert.Equal(status, loaded.Status);
        Assert.Equal(row.SkipReason, loaded.SkipReason);
    }

    [Theory]
    [InlineData(SweepStatus.Running, "running")]
    [InlineData(SweepStatus.Completed, "completed")]
    [InlineData(SweepStatus.Cancelled, "cancelled")]
    public async Task UpdateSweepAsync_EverySweepStatus_StoresItsWordAndReadsBackTheStatus(SweepStatus status, string word)
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256));
        await store.CreateSweepAsync(sweep, cases, Ct);
        sweep.Status = status;
        (sweep.DoneCount, sweep.FailedCount, sweep.SkippedCount) = (0, 1, 1);
        cases[0].Status = CaseStatus.Failed;
        cases[1].Status = CaseStatus.Skipped;
        cases[1].SkipReason = "too big";
        foreach (var c in cases) await store.UpdateCaseAsync(c, Ct);

        await store.UpdateSweepAsync(sweep, Ct);

        Assert.Equal(word, await ScalarAsync<string>(store, "SELECT status FROM sweeps WHERE sweep_id = @SweepId", new { sweep.SweepId }));
        var loaded = await store.GetSweepAsync(sweep.SweepId, Ct);
        Assert.Equal((status, 0, 1, 1), (loaded!.Status, loaded.DoneCount, loaded.FailedCount, loaded.SkippedCount));
        Assert.Equal(status == SweepStatus.Running, (await store.ListUnfinishedSweepsAsync(Ct)).Any(s => s.SweepId == sweep.SweepId));
    }

    [Fact]
    public async Task SaveResultAsync_EachOutcome_StoresItsWordAndReadsBackTheStatus()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(64), TestData.Case(128), TestData.Case(256));
        await store.CreateSweepAsync(sweep, cases, Ct);
        var ok = TestData.Result(TestData.Case(64));
        var invalid = TestData.Result(TestData.Case(128)) with { InvalidReason = "faster than the device's peak" };
        var failed = TestData.Failed(TestData.Case(256));

        foreach (var result in new[] { ok, invalid, failed })
            Assert.True(await store.SaveResultAsync(sweep.SweepId, result, TestData.Environment(), "h:1/cpu", 1, Ct));

        var words = new[] { ok, invalid, failed }.Select(r => r.CaseId).ToList();
        foreach (var (caseId, word) in words.Zip(new[] { "ok", "invalid", "failed" }))
            Assert.Equal(word, await ScalarAsync<string>(store, "SELECT status FROM results WHERE case_id = @caseId", new { caseId }));
        Assert.Equal([ResultStatus.Ok, ResultStatus.Invalid, ResultStatus.Failed], (await store.GetResultsAsync(sweep.SweepId, Ct)).Select(r => r.Status));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseAtVersionOneWithCases_KeepsEveryRowAndAcceptsSkipped()
    {
        string db = await NewDatabaseAsync();
        var store = Open(db);
        var first = Migration.LoadEmbedded()[0];
        var (sweep, cases) = TestData.Sweep(TestData.Case(64), TestData.Case(128), TestData.Case(256));
        await using (var connection = await store.Dialect.OpenAsync(Ct))
        {
            // A database written before version 2: only 0001 applied, cases in the old statuses.
            await connection.ExecuteAsync(new CommandDefinition(first.TextFor(store.Provider), cancellationToken: Ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at_ms BIGINT NOT NULL); " +
                "INSERT INTO schema_migrations VALUES (1, @Name, @Checksum, 0)", new { first.Name, first.Checksum }, cancellationToken: Ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweeps (sweep_id, plan_json, measurement_json, status, created_at_ms, case_count, done_count, failed_count) " +
                "VALUES (@SweepId, '{}', '{}', 'completed', 0, 3, 1, 1)", new { sweep.SweepId }, cancellationToken: Ct));
            string[] old = ["done", "failed", "cancelled"];
            for (int i = 0; i < cases.Count; i++)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO sweep_cases (sweep_id, case_id, ordinal, case_json, status, attempts, device_key, error, updated_at_ms) " +
                    "VALUES (@SweepId, @CaseId, @Ordinal, @CaseJson, @Status, 1, 'h:1/cpu', @Error, 5)",
                    new { sweep.SweepId, cases[i].CaseId, cases[i].Ordinal, cases[i].CaseJson, Status = old[i], Error = i == 1 ? "boom" : null },
                    cancellationToken: Ct));
            }
        }

        await store.MigrateAsync(Ct);

        var loaded = await store.GetCasesAsync(sweep.SweepId, Ct);
        Assert.Equal([CaseStatus.Done, CaseStatus.Failed, CaseStatus.Cancelled], loaded.Select(c => c.Status));
        Assert.Equal(cases.Select(c => c.CaseId), loaded.Select(c => c.CaseId));
        Assert.Equal([null, "boom", null], loaded.Select(c => c.Error));
        Assert.All(loaded, c => Assert.Equal(("h:1/cpu", 1, (string?)null), (c.DeviceKey, c.Attempts, c.SkipReason)));
        var swept = await store.GetSweepAsync(sweep.SweepId, Ct);
        Assert.Equal((SweepStatus.Completed, 1, 1, 0), (swept!.Status, swept.DoneCount, swept.FailedCount, swept.SkippedCount));
        loaded[2].Status = CaseStatus.Skipped;
        loaded[2].SkipReason = "too big";
        await store.UpdateCaseAsync(loaded[2], Ct);
        Assert.Equal("too big", (await store.GetCasesAsync(sweep.SweepId, Ct))[2].SkipReason);
        Assert.Equal(Migration.LoadEmbedded().Count, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task UpdateSweepAsync_Completed_LeavesUnfinishedListAndKeepsCounts()
    {
        var store = await StoreAsync();
        var (done, doneCases) = TestData.Sweep(TestData.Case(128));
        var (running, runningCases) = TestData.Sweep(TestData.Case(256));
        await store.CreateSweepAsync(done, doneCases, Ct);
        await store.CreateSweepAsync(running, runningCases, Ct);

        done.Status = SweepStatus.Completed;
        done.FinishedUtc = TestData.Created.AddMinutes(5);
        done.DoneCount = 1;
        done.FailedCount = 0;
        await store.UpdateSweepAsync(done, Ct);

        var unfinished = await store.ListUnfinishedSweepsAsync(Ct);
        Assert.Equal([running.SweepId], unfinished.Select(s => s.SweepId));
        var loaded = await store.GetSweepAsync(done.SweepId, Ct);
        Assert.Equal(SweepStatus.Completed, loaded!.Status);
        Assert.Equal(TestData.Created.AddMinutes(5), loaded.FinishedUtc);
        Assert.Equal(DateTimeKind.Utc, loaded.FinishedUtc!.Value.Kind);
        Assert.Equal(1, loaded.DoneCount);
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateSweepAsync(new SweepRow { SweepId = "missing", Status = SweepStatus.Running }, Ct));
    }

    [Fact]
    public async Task ListSweepsAsync_RunningSweepWithStaleRow_CountsDoneAndFailedFromItsCases()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256), TestData.Case(512));
        await store.CreateSweepAsync(sweep, cases, Ct);
        // What a killed process leaves: cases finished, the sweep row's counts (written on a timer) not yet.
        var rows = await store.GetCasesAsync(sweep.SweepId, Ct);
        rows[0].Status = CaseStatus.Done;
        rows[1].Status = CaseStatus.Failed;
        foreach (var row in rows.Take(2)) await store.UpdateCaseAsync(row, Ct);

        var listed = Assert.Single(await store.ListSweepsAsync(10, Ct));
        var loaded = await store.GetSweepAsync(sweep.SweepId, Ct);

        Assert.Equal((1, 1), (listed.DoneCount, listed.FailedCount));
        Assert.Equal((1, 1), (loaded!.DoneCount, loaded.FailedCount));
    }

    [Fact]
    public async Task UpdateCaseAsync_LeaseSetThenCleared_RoundTripsNullsAndUtcTimes()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256));
        await store.CreateSweepAsync(sweep, cases, Ct);
        var expires = new DateTime(2026, 3, 1, 13, 0, 0, 125, DateTimeKind.Utc);

        var leased = cases[1];
        leased.Status = CaseStatus.Leased;
        leased.Attempts = 1;
        leased.LeaseId = "lease-1";
        leased.DeviceKey = "node-a/cuda:0";
        leased.LeaseExpiresUtc = expires;
        leased.UpdatedUtc = expires.AddMinutes(-1);
        await store.UpdateCaseAsync(leased, Ct);

        var loaded = (await store.GetCasesAsync(sweep.SweepId, Ct))[1];
        Assert.Equal(CaseStatus.Leased, loaded.Status);
        Assert.Equal(1, loaded.Attempts);
        Assert.Equal("lease-1", loaded.LeaseId);
        Assert.Equal("node-a/cuda:0", loaded.DeviceKey);
        Assert.Equal(expires, loaded.LeaseExpiresUtc);
        Assert.Equal(DateTimeKind.Utc, loaded.LeaseExpiresUtc!.Value.Kind);
        Assert.Equal(expires.AddMinutes(-1), loaded.UpdatedUtc);

        loaded.Status = CaseStatus.Failed;
        loaded.LeaseId = null;
        loaded.DeviceKey = null;
        loaded.LeaseExpiresUtc = null;
        loaded.Error = "device lost";
        await store.UpdateCaseAsync(loaded, Ct);

        var again = await store.GetCasesAsync(sweep.SweepId, Ct);
        Assert.Equal(CaseStatus.Pending, again[0].Status);
        Assert.Equal(CaseStatus.Failed, again[1].Status);
        Assert.Null(again[1].LeaseId);
        Assert.Null(again[1].DeviceKey);
        Assert.Null(again[1].LeaseExpiresUtc);
        Assert.Equal("device lost", again[1].Error);
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.UpdateCaseAsync(new SweepCaseRow { SweepId = sweep.SweepId, CaseId = "missing", Status = CaseStatus.Pending }, Ct));
    }

    [Fact]
    public async Task UpdateCasesAsync_SeveralRows_WritesEachOneAndAMissingOneWritesNone()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256), TestData.Case(512));
        await store.CreateSweepAsync(sweep, cases, Ct);
        var expires = new DateTime(2026, 3, 1, 13, 0, 0, 125, DateTimeKind.Utc);
        cases[0].Status = CaseStatus.Leased;
        cases[0].Attempts = 1;
        cases[0].LeaseId = "lease-a";
        cases[0].DeviceKey = "node-a/sim:0";
        cases[0].LeaseExpiresUtc = expires;
        cases[2].Status = CaseStatus.Skipped;
        cases[2].SkipReason = "too big";
        cases[2].Error = "earlier error";

        await store.UpdateCasesAsync([cases[0], cases[2]], Ct);

        var loaded = await store.GetCasesAsync(sweep.SweepId, Ct);
        Assert.Equal((CaseStatus.Leased, 1, "lease-a", "node-a/sim:0", (DateTime?)expires),
            (loaded[0].Status, loaded[0].Attempts, loaded[0].LeaseId, loaded[0].DeviceKey, loaded[0].LeaseExpiresUtc));
        Assert.Equal((CaseStatus.Pending, (string?)null), (loaded[1].Status, loaded[1].LeaseId));
        Assert.Equal((CaseStatus.Skipped, "too big", "earlier error", (string?)null), (loaded[2].Status, loaded[2].SkipReason, loaded[2].Error, loaded[2].LeaseId));

        // All or nothing: a row that is not stored fails the batch, and the other row of it is not written.
        cases[1].Status = CaseStatus.Done;
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.UpdateCasesAsync([cases[1], new SweepCaseRow { SweepId = sweep.SweepId, CaseId = "missing", Status = CaseStatus.Pending }], Ct));
        Assert.Equal(CaseStatus.Pending, (await store.GetCasesAsync(sweep.SweepId, Ct))[1].Status);
    }

    [Fact]
    public async Task AddCasesAsync_RestOfASweepAddedTwice_StoresEachCaseOnceAndKeepsTheStoredOnesState()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256), TestData.Case(512), TestData.Case(1024));
        await store.CreateSweepAsync(sweep, cases[..2], Ct);
        cases[0].Status = CaseStatus.Done;
        cases[0].Attempts = 1;
        await store.UpdateCasesAsync([cases[0]], Ct);

        await store.AddCasesAsync(sweep.SweepId, cases[2..], Ct);
        // A resumed silo adds every case it does not see; the ones stored meanwhile stay as they are (case 0 done, not pending again).
        var fresh = TestData.Sweep(TestData.Case(128), TestData.Case(256), TestData.Case(512), TestData.Case(1024)).Cases;
        foreach (var row in fresh) row.SweepId = sweep.SweepId;
        await store.AddCasesAsync(sweep.SweepId, fresh, Ct);

        var loaded = await store.GetCasesAsync(sweep.SweepId, Ct);
        Assert.Equal(cases.Select(c => (c.CaseId, c.Ordinal)), loaded.Select(c => (c.CaseId, c.Ordinal)));
        Assert.Equal([CaseStatus.Done, CaseStatus.Pending, CaseStatus.Pending, CaseStatus.Pending], loaded.Select(c => c.Status));
        Assert.Equal(1, loaded[0].Attempts);
    }

    [Fact]
    public async Task SaveResultAsync_NewResult_StoresSamplesInOrderStatisticsAndAccuracy()
    {
        var store = await StoreAsync();
        var benchmarkCase = TestData.Case(1024, KernelKind.Hyper);
        var (sweep, cases) = TestData.Sweep(benchmarkCase);
        await store.CreateSweepAsync(sweep, cases, Ct);
        var result = TestData.Result(benchmarkCase, sampleCount: 40, withAccuracy: true);

        Assert.True(await store.SaveResultAsync(sweep.SweepId, result, TestData.Environment(), "node-a/cpu:0", 2, Ct));

        Assert.Equal(result.Samples, await store.GetSamplesAsync(sweep.SweepId, benchmarkCase.Id, Ct));
        var row = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        var stats = result.Statistics!;
        Assert.Equal(benchmarkCase.Id, row.CaseId);
        Assert.Equal("hyper", row.Kernel);
        Assert.Equal(1024, row.N);
        Assert.False(row.Causal);
        Assert.Equal("fwd", row.Pass);
        Assert.Equal((1, 2, 64), (row.Batch, row.Heads, row.D));
        Assert.Equal(42, row.Seed);
        Assert.Equal(HyperParameters.Default.Canonical, row.HyperParameters);
        Assert.Equal(ResultStatus.Ok, row.Status);
        Assert.Equal(40, row.SampleCount);
        Assert.Equal(stats.Median, row.MedianSeconds);
        Assert.Equal(stats.Mean, row.MeanSeconds);
        Assert.Equal(stats.Min, row.MinSeconds);
        Assert.Equal(stats.P20, row.P20Seconds);
        Assert.Equal(stats.P80, row.P80Seconds);
        Assert.Equal(stats.StdDev, row.StdDevSeconds);
        Assert.Equal(stats.MedianCiLower, row.CiLowSeconds);
        Assert.Equal(stats.MedianCiUpper, row.CiHighSeconds);
        Assert.Equal(result.Flops, row.Flops);
        Assert.Equal(result.Tflops, row.Tflops!.Value, 12);
        Assert.Equal(0.5, row.FirstRunSeconds);
        Assert.Equal(0.012, row.RelativeError);
        Assert.Equal(0.034, row.SpectralOverV);
        Assert.Equal(0.9991, row.MeanRowCosine);
        Assert.Equal((2, 4), (row.HeadsMeasured, row.HeadsTotal));
        Assert.Equal(stats.Max, row.MaxSeconds);
        Assert.Equal(stats.CoefficientOfVariation, row.CoefficientOfVariation);
        Assert.Equal(2, row.Attempt);
        Assert.Equal("node-a/cpu:0", row.DeviceKey);
        Assert.Equal("ILGPU CPU", row.DeviceName);
        // The environment travels with the row, so an export names the device fully (id, model, detail) without a second query.
        Assert.Equal(("cpu:0", "simd=avx2", 64L << 30), (row.DeviceId, row.DeviceDetail, row.DeviceMemoryBytes));
        Assert.Equal(("node-a", "abc123"), (row.HostName, row.GitCommit));
        Assert.Equal(DateTimeKind.Utc, row.RecordedUtc.Kind);
        Assert.InRange(row.RecordedUtc, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));

        Assert.Equal(stats.Max, await ScalarAsync<double>(store, "SELECT max_seconds FROM statistics WHERE case_id = @id", new { id = benchmarkCase.Id }));
        Assert.Equal(stats.CoefficientOfVariation, await ScalarAsync<double>(store, "SELECT cv FROM statistics WHERE case_id = @id", new { id = benchmarkCase.Id }));
        Assert.Equal(0.98, await ScalarAsync<double>(store, "SELECT mean_row_cosine FROM accuracy WHERE case_id = @id AND tensor = 'dq'", new { id = benchmarkCase.Id }));
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM accuracy WHERE case_id = @id AND heads_measured = 2 AND heads_total = 4", new { id = benchmarkCase.Id }));
        Assert.Equal(123_456_789L, await ScalarAsync<long>(store, "SELECT memory_bytes_estimate FROM results WHERE case_id = @id", new { id = benchmarkCase.Id }));
    }

    [Fact]
    public async Task SaveResultAsync_SameCaseTwice_ReturnsFalseAndChangesNothing()
    {
        var store = await StoreAsync();
        var benchmarkCase = TestData.Case(256);
        var (sweep, cases) = TestData.Sweep(benchmarkCase);
        await store.CreateSweepAsync(sweep, cases, Ct);
        var first = TestData.Result(benchmarkCase, sampleCount: 30);
        var retry = TestData.Result(benchmarkCase, sampleCount: 50, withAccuracy: true) with { FirstRunSeconds = 9 };

        Assert.True(await store.SaveResultAsync(sweep.SweepId, first, TestData.Environment(), "node-a/cpu:0", 1, Ct));
        Assert.False(await store.SaveResultAsync(sweep.SweepId, retry, TestData.Environment("node-b"), "node-b/cpu:0", 2, Ct));

        var row = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Equal(1, row.Attempt);
        Assert.Equal(0.5, row.FirstRunSeconds);
        Assert.Equal(30, row.SampleCount);
        Assert.Null(row.RelativeError);
        Assert.Equal(first.Samples, await store.GetSamplesAsync(sweep.SweepId, benchmarkCase.Id, Ct));
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM accuracy"));
        // The rejected attempt's environment and device were rolled back with it.
        Assert.Equal(1L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM environments"));
        Assert.Equal(1L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM devices"));
    }

    [Fact]
    public async Task SaveResultAsync_FailedCase_StoresFailureWithoutSamplesOrStatistics()
    {
        var store = await StoreAsync();
        var benchmarkCase = TestData.Case(65536, causal: true);
        var (sweep, cases) = TestData.Sweep(benchmarkCase);
        await store.CreateSweepAsync(sweep, cases, Ct);

        Assert.True(await store.SaveResultAsync(sweep.SweepId, TestData.Failed(benchmarkCase), TestData.Environment(), "node-a/cpu:0", 3, Ct));

        var row = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Equal(ResultStatus.Failed, row.Status);
        Assert.Equal("out of memory", row.Error);
        Assert.True(row.Causal);
        Assert.Equal(0, row.SampleCount);
        Assert.Null(row.MedianSeconds);
        Assert.Null(row.Tflops);
        Assert.Empty(await store.GetSamplesAsync(sweep.SweepId, benchmarkCase.Id, Ct));
    }

    [Fact]
    public async Task GetResultsAsync_SeveralCasesAndDevices_JoinsInPlanOrderWithOneEnvironmentPerFingerprint()
    {
        var store = await StoreAsync();
        BenchmarkCase[] plan = [TestData.Case(512), TestData.Case(128), TestData.Case(256, KernelKind.Hyper)];
        var (sweep, cases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(sweep, cases, Ct);

        // Stored out of plan order, two captures of one environment (different capture times) and a second host.
        Assert.True(await store.SaveResultAsync(sweep.SweepId, TestData.Result(plan[2], withAccuracy: true), TestData.Environment(), "node-a/cpu:0", 1, Ct));
        Assert.True(await store.SaveResultAsync(sweep.SweepId, TestData.Result(plan[0]), TestData.Environment(captured: TestData.Created.AddDays(1)), "node-a/cpu:0", 1, Ct));
        Assert.True(await store.SaveResultAsync(sweep.SweepId, TestData.Result(plan[1], sampleCount: 10) with { InvalidReason = "faster than peak" },
            TestData.Environment("node-b"), "node-b/cpu:0", 1, Ct));

        var rows = await store.GetResultsAsync(sweep.SweepId, Ct);
        Assert.Equal(plan.Select(c => c.Id), rows.Select(r => r.CaseId));
        Assert.Equal([ResultStatus.Ok, ResultStatus.Invalid, ResultStatus.Ok], rows.Select(r => r.Status));
        Assert.Equal("faster than peak", rows[1].InvalidReason);
        Assert.Equal([25, 10, 25], rows.Select(r => r.SampleCount));
        Assert.Equal(["node-a/cpu:0", "node-b/cpu:0", "node-a/cpu:0"], rows.Select(r => r.DeviceKey));
        Assert.Equal([null, null, 0.012], rows.Select(r => r.RelativeError));
        Assert.Null(rows[0].HyperParameters);
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM environments"));
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM devices"));
        Assert.Empty(await store.GetResultsAsync("other-sweep", Ct));
    }

    [Fact]
    public async Task SaveResultAsync_EightThreadsAtOnce_StoresEveryResult()
    {
        var store = await StoreAsync();
        var plan = Enumerable.Range(1, 32).Select(i => TestData.Case(64 * i)).ToArray();
        var (sweep, cases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(sweep, cases, Ct);

        var saved = await Task.WhenAll(plan.Chunk(4).Select(chunk => Task.Run(async () =>
        {
            int stored = 0;
            foreach (var c in chunk)
                if (await store.SaveResultAsync(sweep.SweepId, TestData.Result(c, sampleCount: 200), TestData.Environment(), "node-a/cpu:0", 1, Ct)) stored++;
            return stored;
        }, Ct))).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(32, saved.Sum());
        Assert.Equal(32L * 200, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM samples WHERE sweep_id = @id", new { id = sweep.SweepId }));
    }

    [Fact]
    public async Task SaveResultsAsync_OneBatch_StoresWhatOneByOneStores()
    {
        // PostgreSQL stores a batch in a few statements over arrays, not result by result: the same batch stored both ways, in two
        // sweeps, must leave the same rows.
        var store = await StoreAsync();
        var plan = new[] { TestData.Case(128), TestData.Case(256, KernelKind.Hyper), TestData.Case(512, causal: true), TestData.Case(1024), TestData.Case(2048) };
        var (batchSweep, batchCases) = TestData.Sweep(plan);
        var (oneSweep, oneCases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(batchSweep, batchCases, Ct);
        await store.CreateSweepAsync(oneSweep, oneCases, Ct);
        foreach (var sweepId in new[] { batchSweep.SweepId, oneSweep.SweepId })
            Assert.True(await store.SaveResultAsync(sweepId, TestData.Result(plan[4], 10), TestData.Environment(), "node-a/cpu:0", 1, Ct));
        var started = TestData.Created.AddMinutes(1);
        var gpu = TestData.Result(plan[3], 20) with
        {
            StartedUtc = started,
            EndedUtc = started.AddSeconds(2),
            Telemetry = new CaseTelemetry([new TelemetrySample(started, 1980, 2619, 50, 400, 0x4), new TelemetrySample(started.AddSeconds(1), 1410, 2619, 71, 690, null)], null),
        };
        // Two hosts, a failure, accuracy, GPU telemetry, a case listed twice (the first is kept) and one stored before (kept as it was).
        var items = new (CaseResult Result, string Host, int Attempt)[]
        {
            (TestData.Result(plan[0], 30), "node-a", 1),
            (TestData.Result(plan[1], 40, withAccuracy: true), "node-b", 2),
            (TestData.Failed(plan[2]), "node-a", 1),
            (TestData.Result(plan[0], 50) with { FirstRunSeconds = 9 }, "node-b", 2),
            (gpu, "node-a", 1),
            (TestData.Result(plan[4], 60, withAccuracy: true), "node-c", 3),
        };

        var batch = await store.SaveResultsAsync(
            [.. items.Select(i => new ResultToStore(batchSweep.SweepId, i.Result, TestData.Environment(i.Host), $"{i.Host}/cpu:0", i.Attempt))], Ct);
        var oneByOne = new List<bool>();
        foreach (var i in items)
            oneByOne.Add(await store.SaveResultAsync(oneSweep.SweepId, i.Result, TestData.Environment(i.Host), $"{i.Host}/cpu:0", i.Attempt, Ct));

        Assert.Equal([true, true, true, false, true, false], batch);
        Assert.Equal(oneByOne, batch);
        Assert.Equal(await RowsAsync(oneSweep.SweepId), await RowsAsync(batchSweep.SweepId));
        foreach (var c in plan)
            Assert.Equal(await store.GetSamplesAsync(oneSweep.SweepId, c.Id, Ct), await store.GetSamplesAsync(batchSweep.SweepId, c.Id, Ct));
        Assert.Equal(items[0].Result.Samples, await store.GetSamplesAsync(batchSweep.SweepId, plan[0].Id, Ct));
        var telemetry = (await store.GetTelemetryAsync(batchSweep.SweepId, Ct))[plan[3].Id];
        Assert.Equal(gpu.Telemetry.Samples.Select(t => (t.AtUtc, t.SmClockMhz, t.Throttled)), telemetry.Select(t => (t.AtUtc, t.SmClockMhz, t.Throttled)));
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM accuracy WHERE sweep_id = @id", new { id = batchSweep.SweepId }));
        // The refused attempt of a stored case writes nothing of its own, not even its host's device.
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM devices WHERE device_key = 'node-c/cpu:0'"));

        async Task<string> RowsAsync(string sweepId) => System.Text.Json.JsonSerializer.Serialize((await store.GetResultsAsync(sweepId, Ct)).Select(r =>
        {
            (r.SweepId, r.RecordedUtc) = ("", default);
            return r;
        }));
    }

    [Fact]
    public async Task BufferedResultWriter_ManyResults_FlushStoresAllAndNothingPending()
    {
        var store = await StoreAsync();
        var plan = Enumerable.Range(1, 20).Select(i => TestData.Case(32 * i)).ToArray();
        var (sweep, cases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(sweep, cases, Ct);

        await using var writer = new BufferedResultWriter(store);
        var stored = plan.Select(c => writer.Enqueue(sweep.SweepId, TestData.Result(c), TestData.Environment(), "node-a/cpu:0", 1)).ToList();
        var duplicate = writer.Enqueue(sweep.SweepId, TestData.Result(plan[0]), TestData.Environment(), "node-a/cpu:0", 2);
        await writer.FlushAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(0, writer.Pending);
        Assert.All(stored, t => Assert.True(t.IsCompletedSuccessfully && t.Result));
        Assert.False(await duplicate);
        Assert.Equal(plan.Select(c => c.Id), (await store.GetResultsAsync(sweep.SweepId, Ct)).Select(r => r.CaseId));
    }

    [Fact]
    public async Task BufferedResultWriter_ResultForUnknownSweep_FaultsThatOneAndStoresTheRest()
    {
        var store = await StoreAsync();
        var (sweep, cases) = TestData.Sweep(TestData.Case(128), TestData.Case(256));
        await store.CreateSweepAsync(sweep, cases, Ct);

        await using var writer = new BufferedResultWriter(store);
        var orphan = writer.Enqueue("no-such-sweep", TestData.Result(TestData.Case(128)), TestData.Environment(), "node-a/cpu:0", 1);
        var kept = writer.Enqueue(sweep.SweepId, TestData.Result(TestData.Case(256)), TestData.Environment(), "node-a/cpu:0", 1);
        await writer.FlushAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);

        // Foreign keys are enforced on both databases: the orphan is refused, not retried for ever, and not stored.
        var refused = await Assert.ThrowsAnyAsync<DbException>(() => orphan);
        Assert.IsNotType<StorageUnavailableException>(refused);
        Assert.True(await kept);
        Assert.Equal(0, writer.Pending);
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM results WHERE sweep_id = 'no-such-sweep'"));
        Assert.Equal(1L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM results"));
    }

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task WriteThroughput_ResultsOfThousandSamples_PrintsSamplesPerSecond()
    {
        if (Environment.GetEnvironmentVariable("HYPERBENCH_BENCH") != "1") Assert.Skip("benchmark: set HYPERBENCH_BENCH=1 to run");
        var store = await StoreAsync();
        const int results = 200, samples = 1000;
        var plan = Enumerable.Range(1, results).Select(i => TestData.Case(i)).ToArray();
        var (sweep, cases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(sweep, cases, Ct);
        var prepared = plan.Select(c => TestData.Result(c, samples)).ToArray();
        await store.SaveResultAsync(sweep.SweepId, prepared[0], TestData.Environment(), "node-a/cpu:0", 1, Ct); // warm-up: pools, JIT

        var clock = Stopwatch.StartNew();
        foreach (var result in prepared.Skip(1))
            Assert.True(await store.SaveResultAsync(sweep.SweepId, result, TestData.Environment(), "node-a/cpu:0", 1, Ct));
        clock.Stop();

        double seconds = clock.Elapsed.TotalSeconds;
        string line = $"{store.Provider}: {results - 1} results x {samples} samples in {seconds:0.000} s = {(results - 1) / seconds:0.0} results/s, " +
            $"{(results - 1) * samples / seconds:0} samples/s";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        TestContext.Current.SendDiagnosticMessage(line);
        string? output = Environment.GetEnvironmentVariable("HYPERBENCH_BENCH_OUT");
        if (!string.IsNullOrEmpty(output)) await File.AppendAllTextAsync(output, line + Environment.NewLine, Ct);
        Assert.Equal((long)results * samples, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM samples"));
    }

    [Fact]
    public async Task SaveResultAsync_WithGpuTelemetry_RoundTripsSamplesTimesAndThrottledFlags()
    {
        var store = await StoreAsync();
        var gpuCase = TestData.Case(1024);
        var cpuCase = TestData.Case(2048);
        var (sweep, cases) = TestData.Sweep(gpuCase, cpuCase);
        await store.CreateSweepAsync(sweep, cases, Ct);
        var started = new DateTime(2026, 12, 1, 13, 0, 0, 125, DateTimeKind.Utc);
        TelemetrySample[] readings =
        [
            new(started, 1980, 2619, 41, 120.5, 0x1),
            new(started.AddMilliseconds(100), 1755, 2619, 63, 699.25, 0x4),
            new(started.AddMilliseconds(200), null, null, null, null, null),
            new(started.AddMilliseconds(300), 1410, 2619, 71, 650.0, 0x44 | (1UL << 40)), // a bit newer than this build survives
        ];
        var gpu = TestData.Result(gpuCase) with { StartedUtc = started, EndedUtc = started.AddSeconds(2.5), Telemetry = new CaseTelemetry(readings, null) };
        var cpu = TestData.Result(cpuCase) with
        {
            StartedUtc = started.AddSeconds(3), EndedUtc = started.AddSeconds(4), Telemetry = CaseTelemetry.Unavailable(CaseTelemetry.CpuDevice),
        };

        Assert.True(await store.SaveResultAsync(sweep.SweepId, gpu, TestData.Environment(), "node-a/cuda:0", 1, Ct));
        Assert.True(await store.SaveResultAsync(sweep.SweepId, cpu, TestData.Environment(), "node-a/cpu", 1, Ct));

        var telemetry = await store.GetTelemetryAsync(sweep.SweepId, Ct);
        Assert.Equal([gpuCase.Id], telemetry.Keys);
        Assert.Equal(readings, telemetry[gpuCase.Id]);
        Assert.All(telemetry[gpuCase.Id], s => Assert.Equal(DateTimeKind.Utc, s.AtUtc.Kind));
        var rows = await store.GetResultsAsync(sweep.SweepId, Ct);
        Assert.Equal((started, started.AddSeconds(2.5), (string?)null), (rows[0].StartedUtc, rows[0].EndedUtc, rows[0].TelemetryNote));
        Assert.Equal((started.AddSeconds(3), started.AddSeconds(4), "cpu device"), (rows[1].StartedUtc, rows[1].EndedUtc, rows[1].TelemetryNote));
        // The flag is stored for SQL readers (dashboards): the power cap and the thermal slowdown, not the idle reading.
        Assert.Equal([0L, 1L, 0L, 1L], await ColumnAsync<long>(store,
            "SELECT CASE WHEN throttled THEN 1 ELSE 0 END FROM telemetry_samples WHERE case_id = @id ORDER BY ordinal", new { id = gpuCase.Id }));
        Assert.Equal(started.AddMilliseconds(300).Subtract(DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond,
            await ScalarAsync<long>(store, "SELECT sampled_at_ms FROM telemetry_samples WHERE ordinal = 3"));
        if (store.Provider == "postgresql")
        {
            // The readings belong to their result (SQLite here runs without foreign-key enforcement, as for the timing samples).
            await ScalarAsync<long>(store, "DELETE FROM results WHERE case_id = @id RETURNING 1", new { id = gpuCase.Id });
            Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM telemetry_samples"));
        }
    }

    [Fact]
    public async Task SaveResultAsync_NoTelemetry_StoresNullTimesAndNoReadings()
    {
        var store = await StoreAsync();
        var benchmarkCase = TestData.Case(64);
        var (sweep, cases) = TestData.Sweep(benchmarkCase);
        await store.CreateSweepAsync(sweep, cases, Ct);

        Assert.True(await store.SaveResultAsync(sweep.SweepId, TestData.Failed(benchmarkCase), TestData.Environment(), "node-a/cpu", 1, Ct));

        var row = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Equal(((DateTime?)null, (DateTime?)null, (string?)null), (row.StartedUtc, row.EndedUtc, row.TelemetryNote));
        Assert.Empty(await store.GetTelemetryAsync(sweep.SweepId, Ct));
    }

    [Fact]
    public async Task MigrateAsync_DatabaseAtVersionTwoWithResults_KeepsEveryRowAndAddsTelemetry()
    {
        string db = await NewDatabaseAsync();
        var store = Open(db);
        var embedded = Migration.LoadEmbedded();
        var (sweep, cases) = TestData.Sweep(TestData.Case(64), TestData.Case(128));
        await using (var connection = await store.Dialect.OpenAsync(Ct))
        {
            // A database written at version 2: 0001 and 0002 applied, a sweep with a stored result, its samples and statistics.
            await ApplyFirstMigrationsAsync(store, connection, embedded, 2);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweeps (sweep_id, plan_json, measurement_json, status, created_at_ms, case_count, done_count, failed_count, skipped_count) " +
                "VALUES (@SweepId, '{}', '{}', 'running', 0, 2, 1, 0, 0)", new { sweep.SweepId }, cancellationToken: Ct));
            foreach (var c in cases)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO sweep_cases (sweep_id, case_id, ordinal, case_json, status, attempts, updated_at_ms) " +
                    "VALUES (@SweepId, @CaseId, @Ordinal, @CaseJson, 'pending', 0, 5)", new { sweep.SweepId, c.CaseId, c.Ordinal, c.CaseJson }, cancellationToken: Ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO environments VALUES ('env1', 'node-a', 'Debian 12', 'X64', 'cpu', 16, '.NET 10', '1.5.3', '0.1.0', 'abc', 'cpu', 'EPYC', 1024, 'x', 1e12, 0); " +
                "INSERT INTO devices VALUES ('node-a/cpu', 'EPYC', 1024, 'x', 'node-a', 0); " +
                "INSERT INTO results (sweep_id, case_id, kernel, n, causal, pass, batch, heads, d, dtype, distribution, seed, status, attempt, device_key, " +
                "environment_id, first_run_seconds, flops, tflops, memory_bytes_estimate, recorded_at_ms) VALUES (@SweepId, @CaseId, 'flash', 64, FALSE, 'fwd', " +
                "1, 2, 64, 'fp32', 'normal', 42, 'ok', 1, 'node-a/cpu', 'env1', 0.5, 1e6, 0.001, 1000, 77); " +
                "INSERT INTO samples VALUES (@SweepId, @CaseId, 0, 0.25), (@SweepId, @CaseId, 1, 0.5); " +
                "INSERT INTO statistics VALUES (@SweepId, @CaseId, 2, 0.25, 0.375, 0.25, 0.5, 0.25, 0.5, 0.1, 0.2, 0.25, 0.5, 0.95)",
                new { sweep.SweepId, cases[0].CaseId }, cancellationToken: Ct));
        }

        await store.MigrateAsync(Ct);

        var old = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Equal((cases[0].CaseId, "flash", 2, 0.25, 77L), (old.CaseId, old.Kernel, old.SampleCount, old.MedianSeconds, old.RecordedUtc.Ticks / TimeSpan.TicksPerMillisecond - DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMillisecond));
        Assert.Equal(((DateTime?)null, (DateTime?)null, (string?)null), (old.StartedUtc, old.EndedUtc, old.TelemetryNote));
        Assert.Equal([0.25, 0.5], await store.GetSamplesAsync(sweep.SweepId, cases[0].CaseId, Ct));
        Assert.Equal(2, (await store.GetCasesAsync(sweep.SweepId, Ct)).Count);
        Assert.Empty(await store.GetTelemetryAsync(sweep.SweepId, Ct));
        Assert.Equal(embedded.Count, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM schema_migrations"));

        // The migrated database takes a result with telemetry.
        var next = TestData.Result(TestData.Case(128)) with
        {
            StartedUtc = TestData.Created, EndedUtc = TestData.Created.AddSeconds(1),
            Telemetry = new CaseTelemetry([new TelemetrySample(TestData.Created, 1980, 2619, 50, 400, 0x4)], null),
        };
        Assert.True(await store.SaveResultAsync(sweep.SweepId, next, TestData.Environment(), "node-a/cuda:0", 1, Ct));
        Assert.True(Assert.Single((await store.GetTelemetryAsync(sweep.SweepId, Ct))[cases[1].CaseId]).Throttled);
    }

    [Fact]
    public async Task MigrateAsync_DatabaseAtVersionThreeWithResults_KeepsEveryRowAndAddsLineage()
    {
        string db = await NewDatabaseAsync();
        var store = Open(db);
        var embedded = Migration.LoadEmbedded();
        var (sweep, cases) = TestData.Sweep(TestData.Case(64), TestData.Case(128));
        await using (var connection = await store.Dialect.OpenAsync(Ct))
        {
            // A database written at version 3: 0001..0003 applied, a completed sweep with a stored result, its samples and statistics.
            await ApplyFirstMigrationsAsync(store, connection, embedded, 3);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweeps (sweep_id, tag, plan_json, measurement_json, status, created_at_ms, case_count, done_count, failed_count, skipped_count) " +
                "VALUES (@SweepId, 'v3', '{\"grid\":{}}', '{}', 'completed', 3, 2, 1, 0, 0)", new { sweep.SweepId }, cancellationToken: Ct));
            foreach (var c in cases)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO sweep_cases (sweep_id, case_id, ordinal, case_json, status, attempts, updated_at_ms) " +
                    "VALUES (@SweepId, @CaseId, @Ordinal, @CaseJson, 'done', 1, 5)", new { sweep.SweepId, c.CaseId, c.Ordinal, c.CaseJson }, cancellationToken: Ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO environments VALUES ('env1', 'node-a', 'Debian 12', 'X64', 'cpu', 16, '.NET 10', '1.5.3', '0.1.0', 'abc', 'cpu', 'EPYC', 1024, 'x', 1e12, 0); " +
                "INSERT INTO devices VALUES ('node-a/cpu', 'EPYC', 1024, 'x', 'node-a', 0); " +
                "INSERT INTO results (sweep_id, case_id, kernel, n, causal, pass, batch, heads, d, dtype, distribution, seed, status, attempt, device_key, " +
                "environment_id, first_run_seconds, flops, tflops, memory_bytes_estimate, recorded_at_ms, started_at_ms, ended_at_ms, telemetry_note) " +
                "VALUES (@SweepId, @CaseId, 'flash', 64, FALSE, 'fwd', 1, 2, 64, 'fp32', 'normal', 42, 'ok', 1, 'node-a/cpu', 'env1', 0.5, 1e6, 0.001, 1000, " +
                "77, 70, 76, 'cpu device'); " +
                "INSERT INTO samples VALUES (@SweepId, @CaseId, 0, 0.25), (@SweepId, @CaseId, 1, 0.5); " +
                "INSERT INTO statistics VALUES (@SweepId, @CaseId, 2, 0.25, 0.375, 0.25, 0.5, 0.25, 0.5, 0.1, 0.2, 0.25, 0.5, 0.95)",
                new { sweep.SweepId, cases[0].CaseId }, cancellationToken: Ct));
        }

        await store.MigrateAsync(Ct);

        var stored = await store.GetSweepAsync(sweep.SweepId, Ct);
        Assert.Equal(("v3", SweepStatus.Completed, 2, (string?)null), (stored!.Tag, stored.Status, stored.CaseCount, stored.ParentSweepId));
        var old = Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Equal((cases[0].CaseId, "flash", 2, 0.25, "cpu device", (bool?)null), (old.CaseId, old.Kernel, old.SampleCount, old.MedianSeconds, old.TelemetryNote, old.Noisy));
        Assert.Equal(0.2, old.CoefficientOfVariation);
        Assert.Equal([0.25, 0.5], await store.GetSamplesAsync(sweep.SweepId, cases[0].CaseId, Ct));
        Assert.Equal(2, (await store.GetCasesAsync(sweep.SweepId, Ct)).Count);
        Assert.Equal(embedded.Count, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM schema_migrations"));
        Assert.Null(await store.GetChildSweepAsync(sweep.SweepId, Ct));

        // The migrated database keeps a re-measure as its own sweep, linked to the old one, with its own result row of the same case.
        var (child, childCases) = TestData.Sweep(TestData.Case(64));
        child.SweepId = sweep.SweepId + "-remeasure";
        child.ParentSweepId = sweep.SweepId;
        await store.CreateSweepAsync(child, childCases, Ct);
        Assert.True(await store.SaveResultAsync(child.SweepId, TestData.Result(TestData.Case(64)), TestData.Environment(), "node-a/cpu", 1, Ct));
        Assert.Equal(child.SweepId, (await store.GetChildSweepAsync(sweep.SweepId, Ct))?.SweepId);
        Assert.Equal(sweep.SweepId, (await store.GetSweepAsync(child.SweepId, Ct))!.ParentSweepId);

        await store.LabelNoisyAsync([child.SweepId, sweep.SweepId], new Dictionary<string, bool> { [cases[0].CaseId] = true }, Ct);

        Assert.True(Assert.Single(await store.GetResultsAsync(sweep.SweepId, Ct)).Noisy);
        Assert.True(Assert.Single(await store.GetResultsAsync(child.SweepId, Ct)).Noisy);
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM results WHERE case_id = @CaseId", new { cases[0].CaseId }));
    }

    [Fact]
    public async Task FindTaggedSweepAsync_ParentAndItsReMeasure_FindsTheParent()
    {
        var store = await StoreAsync();
        var (parent, cases) = TestData.Sweep(TestData.Case(64), TestData.Case(128));
        parent.Status = SweepStatus.Completed;
        await store.CreateSweepAsync(parent, cases, Ct);
        var (child, childCases) = TestData.Sweep(TestData.Case(64));
        child.SweepId = parent.SweepId + "-remeasure";
        child.ParentSweepId = parent.SweepId;
        child.Status = SweepStatus.Completed;
        child.CreatedUtc = parent.CreatedUtc.AddMinutes(1);
        await store.CreateSweepAsync(child, childCases, Ct);

        var found = await store.FindTaggedSweepAsync(parent.Tag!, cancellationToken: Ct);

        Assert.Equal(parent.SweepId, found?.SweepId);
        Assert.Equal(child.SweepId, (await store.GetChildSweepAsync(parent.SweepId, Ct))?.SweepId);
    }

    private static async Task<List<T>> ColumnAsync<T>(SqlSweepStore store, string sql, object? parameters = null)
    {
        await using DbConnection connection = await store.Dialect.OpenAsync(Ct);
        return [.. await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: Ct))];
    }

    /// <summary>A database as an older version left it: the first <paramref name="count"/> migrations applied and recorded.</summary>
    private static async Task ApplyFirstMigrationsAsync(SqlSweepStore store, DbConnection connection, IReadOnlyList<Migration> embedded, int count)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
            cancellationToken: Ct));
        foreach (var m in embedded.Take(count))
        {
            await connection.ExecuteAsync(new CommandDefinition(m.TextFor(store.Provider), cancellationToken: Ct));
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations VALUES (@Version, @Name, @Checksum, 0)",
                new { m.Version, m.Name, m.Checksum }, cancellationToken: Ct));
        }
    }
}
