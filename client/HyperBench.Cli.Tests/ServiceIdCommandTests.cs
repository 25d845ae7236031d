using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>The CLI and service ids (docs/security.md): it resumes only its own service's sweeps; its schedules carry its service.</summary>
public sealed class ServiceIdCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SweepResume_AnotherServicesSweep_IsRefusedWithExit2NamingBothServices()
    {
        string dir = CliProcess.TempDirectory();
        string db = Path.Combine(dir, "results.db");
        await using (var store = SweepStoreFactory.Create(db))
        {
            await store.MigrateAsync(Ct);
            await store.CreateSweepAsync(new SweepRow
            {
                SweepId = "of-team-a",
                PlanJson = "{}",
                MeasurementJson = "{}",
                Status = SweepStatus.Running,
                CreatedUtc = DateTime.UtcNow,
                ServiceId = "team-a",
            }, [], Ct);
        }

        var outcome = CliProcess.Run(dir, "sweep", "resume", "of-team-a", "--db", db, "--device", "cpu");

        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}: {outcome.Output}");
        Assert.Contains("'team-a'", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("'hyperbench'", outcome.Output, StringComparison.Ordinal);
        await using var after = SweepStoreFactory.Create(db);
        Assert.Equal(SweepStatus.Running, (await after.GetSweepAsync("of-team-a", Ct))!.Status);
    }

    [Fact]
    public async Task ScheduleAdd_WithServiceIdSetting_StoresTheScheduleForThatService()
    {
        string dir = CliProcess.TempDirectory();
        var saved = CliProcess.Run(dir, "sweep", "--device", "cpu", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd",
            "--save-plan", "p.json", "--dry-run");
        Assert.True(saved.ExitCode == 0, saved.Output);

        var added = CliProcess.Run(dir, new Dictionary<string, string?> { ["HYPERBENCH__SERVICEID"] = "team-b" },
            "schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "p.json");

        Assert.True(added.ExitCode == 0, added.Output);
        await using var store = SweepStoreFactory.Create(Path.Combine(dir, "hyperbench-results", "hyperbench.db"));
        Assert.Equal("team-b", (await store.GetScheduleAsync("nightly", Ct))!.ServiceId);
    }
}
