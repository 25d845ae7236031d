using System.Globalization;
using HyperBench.TestSupport;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// Seconds from kill -9 of a silo (one of three, holding a lease) to its death declaration and to its case running on another silo,
/// with Orleans' membership defaults and with HyperBench's shipped settings (docs/fleet.md). Numbers for a report, not a gate: runs
/// only with HYPERBENCH_BENCH=1 (about two minutes).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverBenchmark
{
    private static readonly Dictionary<string, string> OrleansDefaults = new()
    {
        ["ProbeTimeoutSeconds"] = "5",
        ["NumMissedProbesLimit"] = "3",
        ["NumVotesForDeathDeclaration"] = "2",
        ["DeathVoteExpirationSeconds"] = "120",
        ["IAmAliveTablePublishSeconds"] = "30",
        ["TableRefreshSeconds"] = "60",
    };

    private static readonly Dictionary<string, string> OneVote = new() { ["NumVotesForDeathDeclaration"] = "1" };

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task Failover_KillNineOfOneOfThreeSilos_SecondsToDeathAndReissue()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("HYPERBENCH_BENCH") == "1", "set HYPERBENCH_BENCH=1 to run the failover benchmark");
        var ct = TestContext.Current.CancellationToken;
        var output = TestContext.Current.TestOutputHelper!;
        int runs = int.TryParse(Environment.GetEnvironmentVariable("HYPERBENCH_BENCH_RUNS"), CultureInfo.InvariantCulture, out int r) && r > 0 ? r : 1;
        output.WriteLine("settings                      kill->dead s  kill->lease back s  kill->running elsewhere s");
        foreach (var (name, membership) in new (string, Dictionary<string, string>?)[] { ("Orleans defaults", OrleansDefaults), ("shipped (2 votes)", null), ("shipped, 1 vote", OneVote) })
        {
            for (int i = 0; i < runs; i++)
            {
                await using var server = await PostgresServer.StartOrSkipAsync(ct, FleetDatabase.Name);
                var o = await FleetFaultTests.KillMidSweepAsync(server, $"bench{i}", silos: 3, membership, ct);
                string line = string.Create(CultureInfo.InvariantCulture, $"{name,-28} {o.KillToDead,12:F1} {o.KillToReleased,19:F1} {o.KillToRunning,26:F1}");
                output.WriteLine(line);
                Console.WriteLine("failover: " + line);
            }
        }
    }
}
