using HyperBench.TestSupport;
using Npgsql;

namespace HyperBench.Storage.Tests;

/// <summary>
/// Where the PostgreSQL tests run: HYPERBENCH_TEST_POSTGRES (a connection string with the right to create databases), else
/// one private server for the whole test run. Each test gets its own database with a random name, dropped at the end.
/// Without PostgreSQL the tests skip with the reason, unless HYPERBENCH_REQUIRE_POSTGRES=1 (CI), when they fail.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;
    private string? _adminConnectionString;

    /// <summary>Why PostgreSQL tests cannot run here; null when they can.</summary>
    public string? UnavailableReason { get; private set; }

    public static bool Required => Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1";

    /// <summary>True when the server is the private one (so a test may stop and start it).</summary>
    public bool IsPrivate => _server is not null;

    public async ValueTask InitializeAsync()
    {
        string? external = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (!string.IsNullOrWhiteSpace(external))
        {
            _adminConnectionString = external;
            return;
        }
        if (PostgresServer.BinDirectory is null)
        {
            UnavailableReason = "PostgreSQL not available: set HYPERBENCH_TEST_POSTGRES to a connection string, or install PostgreSQL " +
                "(initdb under /usr/lib/postgresql/N/bin or HYPERBENCH_PG_BIN)";
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            _server = await PostgresServer.StartNewAsync(timeout.Token);
            _adminConnectionString = _server.ConnectionString();
        }
        catch (InvalidOperationException e)
        {
            UnavailableReason = "private PostgreSQL server did not start: " + e.Message;
        }
    }

    /// <summary>Skips (or fails, when required) the calling test if PostgreSQL is unavailable.</summary>
    public void EnsureAvailable()
    {
        if (UnavailableReason is null) return;
        if (Required) Assert.Fail(UnavailableReason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
        Assert.Skip(UnavailableReason);
    }

    /// <summary>A fresh empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        EnsureAvailable();
        string name = "hb_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DropDatabaseAsync(string connectionString)
    {
        string? name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (name is null || !name.StartsWith("hb_test_", StringComparison.Ordinal)) return;
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
