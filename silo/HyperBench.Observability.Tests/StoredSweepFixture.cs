using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using HyperBench.Regressions;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace HyperBench.Observability.Tests;

/// <summary>
/// A fresh PostgreSQL database (hyperbench_dash_RANDOM on the server of HYPERBENCH_TEST_POSTGRES, dropped at the end) holding the
/// real schema and one real sweep: flash and hyper at n = 128 and 256, forward, causal and not, measured on the cpu backend by
/// an in-process silo (the CLI's path: <see cref="EmbeddedCluster"/>, which applies the repository's migrations at start),
/// and the verdicts of comparing that sweep with itself (what `hyperbench compare` stores), for the History dashboard's annotation.
/// Without PostgreSQL the tests using it skip with the reason, or fail when HYPERBENCH_REQUIRE_POSTGRES=1 (CI).
/// </summary>
public sealed class StoredSweepFixture : IAsyncLifetime
{
    private string? _admin;

    /// <summary>Why the database could not be made; null when it was.</summary>
    public string? UnavailableReason { get; private set; }

    public string ConnectionString { get; private set; } = "";

    public string SweepId { get; private set; } = "";

    public SweepStatusView? Status { get; private set; }

    public static SweepPlan Plan => new()
    {
        Grid = new BenchmarkGrid
        {
            Kernels = [KernelKind.Flash, KernelKind.Hyper],
            SeqLens = [128, 256],
            Causal = [false, true],
            Passes = [AttentionPass.Forward],
            Batches = [1],
            Heads = [1],
            HeadDims = [64],
        },
        Measurement = MeasurementOptions.ForMinSamples(3, 0, 0, 0),
        LeaseSeconds = 30,
        MaxAttempts = 2,
        Tag = "dashboards",
    };

    public async ValueTask InitializeAsync()
    {
        _admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(_admin))
        {
            UnavailableReason = "PostgreSQL not available: set HYPERBENCH_TEST_POSTGRES to a connection string with the right to create databases";
            return;
        }
        string name = "hyperbench_dash_" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            await using (var connection = new NpgsqlConnection(_admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException e)
        {
            UnavailableReason = $"PostgreSQL at HYPERBENCH_TEST_POSTGRES could not create a database: {e.Message}";
            return;
        }
        ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = name }.ConnectionString;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Db"] = ConnectionString,
            ["HyperBench:Devices"] = "cpu",
        }).Build();
        SweepId = EmbeddedCluster.NewSweepId();
        await using var cluster = await EmbeddedCluster.StartAsync(settings, new EmbeddedClusterOptions { Sweeps = [SweepId] }, timeout.Token);
        await cluster.Sweep(SweepId).StartAsync(Plan);
        Status = await cluster.WaitAsync(SweepId, pollInterval: TimeSpan.FromMilliseconds(50), cancellationToken: timeout.Token);

        // A real comparison of the sweep with itself (3 samples a side: every verdict is insufficient, which is still a stored verdict).
        await using var store = SweepStoreFactory.Create(ConnectionString);
        var cases = await store.GetCaseSamplesAsync(SweepId, timeout.Token);
        var comparison = SweepComparer.Compare(SweepId, cases, SweepId, cases, CompareThresholds.Default, DateTime.UtcNow);
        await store.SaveVerdictsAsync(comparison.ToRows(), timeout.Token);
        VerdictCount = comparison.Cases.Count;
    }

    /// <summary>Verdicts stored by the self-comparison: one per measured case.</summary>
    public int VerdictCount { get; private set; }

    /// <summary>Skips (or fails, when required) the calling test if PostgreSQL is unavailable.</summary>
    public void EnsureAvailable()
    {
        if (UnavailableReason is null) return;
        if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail(UnavailableReason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
        Assert.Skip(UnavailableReason);
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is null || ConnectionString.Length == 0) return;
        string? name = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// The stored sweep's tests run alone: OpenTelemetry listens to meters by name across the whole process, so cases measured by
/// this in-process silo while another test's silo exports /metrics would be counted there too (MetricsEndpointTests expects
/// exactly its own cases).
/// </summary>
[CollectionDefinition(nameof(StoredSweepCollection), DisableParallelization = true)]
public sealed class StoredSweepCollection : ICollectionFixture<StoredSweepFixture>;
