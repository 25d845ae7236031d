using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Configuration;

namespace HyperBench.Grains.Tests;

/// <summary>What a starting silo waits for (an unreachable database) and what it does not (a refused login), and the membership settings it applies.</summary>
public sealed class StartupRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Unreachable_ConnectionRefusedOrStoreGaveUp_IsWaitedFor_ALoginOrMissingDatabaseIsNot()
    {
        Assert.True(StartupRetry.IsUnreachable(new NpgsqlException("refused", new System.Net.Sockets.SocketException(111))));
        Assert.True(StartupRetry.IsUnreachable(new StorageUnavailableException("down", new NpgsqlException("refused", new System.Net.Sockets.SocketException(111)))));
        Assert.True(StartupRetry.IsUnreachable(new PostgresException("starting up", "FATAL", "FATAL", "57P03")));
        Assert.False(StartupRetry.IsUnreachable(new PostgresException("password authentication failed", "FATAL", "FATAL", "28P01")));
        Assert.False(StartupRetry.IsUnreachable(new StorageUnavailableException("refused the connection",
            new PostgresException("password authentication failed", "FATAL", "FATAL", "28P01"))));
        Assert.False(StartupRetry.IsUnreachable(new PostgresException("database does not exist", "FATAL", "FATAL", "3D000")));
        Assert.False(StartupRetry.IsUnreachable(new InvalidOperationException("a bug")));
    }

    [Fact]
    public async Task RunAsync_BadPasswordOnRealPostgres_FailsAtOnceDespiteALongBound()
    {
        string? admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            const string reason = "PostgreSQL not configured: set HYPERBENCH_TEST_POSTGRES";
            if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail(reason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip(reason);
        }
        string wrong = new NpgsqlConnectionStringBuilder(admin) { Password = "not-the-password", Pooling = false }.ConnectionString;
        int attempts = 0;

        var ex = await Assert.ThrowsAsync<PostgresException>(() => StartupRetry.RunAsync("test", async ct =>
        {
            attempts++;
            await using var connection = new NpgsqlConnection(wrong);
            await connection.OpenAsync(ct);
        }, TimeSpan.FromMinutes(10), NullLogger.Instance, Ct));

        Assert.StartsWith("28", ex.SqlState, StringComparison.Ordinal);
        Assert.Equal(1, attempts);
        Assert.Equal(ProcessExit.Unavailable, ProcessExit.Classify(ex).Code);
    }

    [Fact]
    public async Task RunAsync_UnreachableThenUp_WaitsAndSucceeds_ZeroBoundGivesUpAtOnce()
    {
        int attempts = 0;
        await StartupRetry.RunAsync("test", _ => ++attempts < 3 ? throw new NpgsqlException("refused", new System.Net.Sockets.SocketException(111)) : Task.CompletedTask,
            TimeSpan.FromMinutes(1), NullLogger.Instance, Ct);
        Assert.Equal(3, attempts);

        attempts = 0;
        await Assert.ThrowsAsync<NpgsqlException>(() => StartupRetry.RunAsync("test",
            _ => { attempts++; throw new NpgsqlException("refused", new System.Net.Sockets.SocketException(111)); }, TimeSpan.Zero, NullLogger.Instance, Ct));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public void Membership_ShippedDefaults_ReachOrleansOptions()
    {
        var (silo, _) = HyperBenchSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Membership:NumVotesForDeathDeclaration"] = "1",
        }).Build());
        var orleans = new ClusterMembershipOptions();

        silo.Membership.Apply(orleans);

        Assert.Equal(TimeSpan.FromSeconds(1), orleans.ProbeTimeout);
        Assert.Equal(2, orleans.NumMissedProbesLimit);
        Assert.Equal(1, orleans.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromSeconds(10), orleans.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), orleans.IAmAliveTablePublishTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), orleans.TableRefreshTimeout);
        Assert.Equal(120, silo.StartupRetrySeconds);
    }
}
