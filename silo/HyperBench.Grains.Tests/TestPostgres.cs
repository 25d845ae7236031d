using Npgsql;

namespace HyperBench.Grains.Tests;

/// <summary>
/// PostgreSQL for the adonet tests: HYPERBENCH_TEST_POSTGRES, a connection string with the right to create databases (CI sets
/// it). Each test gets a fresh database with a random name, dropped WITH (FORCE) at the end. Without it the tests skip with the
/// reason, unless HYPERBENCH_REQUIRE_POSTGRES=1, when they fail.
/// </summary>
internal sealed class TestPostgres : IAsyncDisposable
{
    private const string Prefix = "hb_test_";

    private readonly string _admin;

    private TestPostgres(string admin, string connectionString)
    {
        _admin = admin;
        ConnectionString = connectionString;
    }

    /// <summary>The fresh database's connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>A fresh empty database; skips (or fails, when required) the calling test if PostgreSQL is not configured.</summary>
    public static async Task<TestPostgres> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        string? admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            const string reason = "PostgreSQL not configured: set HYPERBENCH_TEST_POSTGRES to a connection string of a server where the user may CREATE DATABASE";
            if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail(reason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip(reason);
        }
        string name = Prefix + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return new TestPostgres(admin, new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        string name = new NpgsqlConnectionStringBuilder(ConnectionString).Database!;
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
