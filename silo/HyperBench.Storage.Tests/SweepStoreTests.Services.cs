using System.Data.Common;
using Dapper;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage.Tests;

// Service ids (migration 0008, docs/security.md): who owns a sweep or a schedule when clusters share a database.
public abstract partial class SweepStoreTests
{
    [Fact]
    public async Task ServiceId_SweepAndSchedule_RoundTripAndEveryServiceIsListed()
    {
        var store = await StoreAsync();
        var (a, aCases) = TestData.Sweep(TestData.Case(64));
        var (b, bCases) = TestData.Sweep(TestData.Case(64));
        a.ServiceId = "team-a";
        b.ServiceId = "team-b";
        await store.CreateSweepAsync(a, aCases, Ct);
        await store.CreateSweepAsync(b, bCases, Ct);
        await store.AddScheduleAsync(new ScheduleRow("nightly", "0 2 * * *", "{}", null, TestData.Created, "team-b"), Ct);

        Assert.Equal("team-a", (await store.GetSweepAsync(a.SweepId, Ct))!.ServiceId);
        Assert.Equal(["team-a", "team-b"], (await store.ListUnfinishedSweepsAsync(Ct)).Select(s => s.ServiceId).Order());
        Assert.Equal("team-b", (await store.GetScheduleAsync("nightly", Ct))!.ServiceId);
    }

    [Fact]
    public async Task MigrateAsync_DatabaseBeforeVersionEight_GivesItsSweepsAndSchedulesTheDefaultService()
    {
        string db = await NewDatabaseAsync();
        var store = Open(db);
        var (sweep, _) = TestData.Sweep(TestData.Case(64));
        await using (DbConnection connection = await store.Dialect.OpenAsync(Ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)",
                cancellationToken: Ct));
            foreach (var migration in Migration.LoadEmbedded().Where(m => m.Version < 8))
            {
                await connection.ExecuteAsync(new CommandDefinition(migration.TextFor(store.Provider), cancellationToken: Ct));
                await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations VALUES (@Version, @Name, @Checksum, 0)",
                    new { migration.Version, migration.Name, migration.Checksum }, cancellationToken: Ct));
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO sweeps (sweep_id, plan_json, measurement_json, status, created_at_ms, case_count, done_count, failed_count) " +
                "VALUES (@SweepId, '{}', '{}', 'running', 0, 0, 0, 0)", new { sweep.SweepId }, cancellationToken: Ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schedules (name, cron, plan_json, created_at_ms) VALUES ('old', '0 2 * * *', '{}', 0)", cancellationToken: Ct));
        }

        await store.MigrateAsync(Ct);

        Assert.Equal(SweepRow.DefaultServiceId, (await store.GetSweepAsync(sweep.SweepId, Ct))!.ServiceId);
        Assert.Equal(SweepStatus.Running, Assert.Single(await store.ListUnfinishedSweepsAsync(Ct)).Status);
        Assert.Equal(SweepRow.DefaultServiceId, (await store.GetScheduleAsync("old", Ct))!.ServiceId);
    }
}
