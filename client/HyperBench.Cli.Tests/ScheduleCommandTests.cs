using System.Net;
using System.Net.Sockets;
using HyperBench.Storage;

namespace HyperBench.Cli.Tests;

/// <summary>
/// `hyperbench schedule` as real processes on a SQLite file (docs/schedules.md): bad input for every verb exits 2 naming the value
/// with nothing stored; add/list/remove round trip; run-now twice stores two runs, the second compared with the first, and
/// `compare schedule:NAME` then resolves them.
/// </summary>
public sealed class ScheduleCommandTests
{
    private static readonly string[] TinyPlan =
    [
        "--device", "cpu", "--kernel", "flash", "--n", "64", "--causal", "false", "--pass", "fwd",
        "--min-samples", "2", "--budget", "0", "--warmup", "0", "--warmup-time", "0",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewDirWithPlan()
    {
        string dir = CliProcess.TempDirectory();
        var saved = CliProcess.Run(dir, ["sweep", .. TinyPlan, "--save-plan", "p.json", "--dry-run"]);
        Assert.True(saved.ExitCode == 0, saved.Output);
        return dir;
    }

    private static string Db(string dir) => Path.Combine(dir, "hyperbench-results", "hyperbench.db");

    [Fact]
    public async Task BadInput_EveryVerb_ExitsTwoNamingTheValueAndStoresNothing()
    {
        string dir = NewDirWithPlan();
        var added = CliProcess.Run(dir, "schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "p.json");
        Assert.True(added.ExitCode == 0, added.Output);

        (string[] Args, string Named)[] bad =
        [
            (["schedule", "add", "--name", "other", "--cron", "61 * * * *", "--plan", "p.json"], "61 * * * *"),
            (["schedule", "add", "--name", "other", "--cron", "0 2 * * *", "--plan", "missing.json"], "missing.json"),
            (["schedule", "add", "--name", "nightly", "--cron", "0 3 * * *", "--plan", "p.json"], "'nightly' exists already"),
            (["schedule", "add", "--name", "other", "--cron", "0 2 * * *", "--plan", "p.json", "--baseline", "no-such-sweep"], "no-such-sweep"),
            (["schedule", "remove", "weekly"], "'weekly'"),
            (["schedule", "run-now", "weekly", "--device", "cpu"], "'weekly'"),
            (["schedule", "run-now", "nightly", "--device", "cuda:7"], "cuda:7"),
            (["schedule", "history", "weekly"], "'weekly'"),
        ];
        foreach (var (args, named) in bad)
        {
            var outcome = CliProcess.Run(dir, args);
            Assert.True(outcome.ExitCode == 2, $"{string.Join(' ', args)}: {outcome.Output}");
            Assert.Contains(named, outcome.Output, StringComparison.Ordinal);
        }

        await using var store = SweepStoreFactory.Create(Db(dir));
        var schedule = Assert.Single(await store.ListSchedulesAsync(Ct));
        Assert.Equal(("nightly", "0 2 * * *"), (schedule.Name, schedule.Cron));
        Assert.Empty(await store.ListScheduleRunsAsync("weekly", 10, Ct));
        Assert.Empty(await store.ListScheduleRunsAsync("nightly", 10, Ct));
        Assert.Empty(await store.ListSweepsAsync(10, Ct));
    }

    [Fact]
    public async Task AddListRemove_RoundTrip()
    {
        string dir = NewDirWithPlan();
        var added = CliProcess.Run(dir, "schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "p.json", "--baseline", "tag:main");
        Assert.True(added.ExitCode == 0, added.Output);
        var listed = CliProcess.Run(dir, "schedule", "list");
        Assert.True(listed.ExitCode == 0, listed.Output);
        Assert.Contains("nightly", listed.Output, StringComparison.Ordinal);
        Assert.Contains("0 2 * * *", listed.Output, StringComparison.Ordinal);
        Assert.Contains("tag:main", listed.Output, StringComparison.Ordinal);

        await using (var store = SweepStoreFactory.Create(Db(dir)))
        {
            var schedule = Assert.Single(await store.ListSchedulesAsync(Ct));
            Assert.Equal("tag:main", schedule.Baseline);
            Assert.Contains("\"flash\"", schedule.PlanJson, StringComparison.Ordinal);
        }

        var removed = CliProcess.Run(dir, "schedule", "remove", "nightly");
        Assert.True(removed.ExitCode == 0, removed.Output);
        var empty = CliProcess.Run(dir, "schedule", "list");
        Assert.True(empty.ExitCode == 0, empty.Output);
        Assert.Contains("no schedules", empty.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunNow_Twice_StoresTwoRunsComparesTheSecondAndCompareScheduleResolvesThem()
    {
        string dir = NewDirWithPlan();
        var added = CliProcess.Run(dir, "schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "p.json");
        Assert.True(added.ExitCode == 0, added.Output);

        var first = CliProcess.Run(dir, "schedule", "run-now", "nightly", "--device", "cpu");
        Assert.True(first.ExitCode == 0, first.Output);
        Assert.Contains("first run", first.Output, StringComparison.Ordinal);
        var second = CliProcess.Run(dir, "schedule", "run-now", "nightly", "--device", "cpu");
        Assert.True(second.ExitCode is 0 or 1, second.Output);

        await using var store = SweepStoreFactory.Create(Db(dir));
        var runs = await store.ListScheduleRunsAsync("nightly", 10, Ct);
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(ScheduleRunStatus.Completed, r.Status));
        Assert.Null(runs[1].ComparisonId);
        string comparisonId = Assert.IsType<string>(runs[0].ComparisonId);
        var verdict = Assert.Single(await store.GetVerdictsAsync(comparisonId, Ct));
        Assert.Equal((runs[1].SweepId, runs[0].SweepId), (verdict.BaselineSweepId, verdict.CandidateSweepId));

        var compare = CliProcess.Run(dir, "compare", "schedule:nightly", "schedule:nightly", "--format", "json");
        Assert.True(compare.ExitCode is 0 or 1, compare.Output);
        Assert.Contains(runs[1].SweepId!, compare.Output, StringComparison.Ordinal);
        Assert.Contains(runs[0].SweepId!, compare.Output, StringComparison.Ordinal);

        var history = CliProcess.Run(dir, "schedule", "history", "nightly");
        Assert.True(history.ExitCode == 0, history.Output);
        Assert.Contains(comparisonId, history.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("add")]
    [InlineData("history")]
    public void UnreachableDatabase_ExitsThreeNamingItWithoutThePassword(string verb)
    {
        string dir = NewDirWithPlan();
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        string db = $"Host=127.0.0.1;Port={port};Database=hb;Username=bench;Password=secret-pw";
        string[] args = verb switch
        {
            "add" => ["schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "p.json", "--db", db],
            "history" => ["schedule", "history", "nightly", "--db", db],
            _ => ["schedule", "list", "--db", db],
        };
        var outcome = CliProcess.Run(dir, new Dictionary<string, string?> { ["HYPERBENCH_DB_RETRY_SECONDS"] = "1" }, args);
        Assert.True(outcome.ExitCode == 3, outcome.Output);
        Assert.Contains($"127.0.0.1:{port}", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", outcome.Output, StringComparison.Ordinal);
    }
}
