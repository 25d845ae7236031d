using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HyperBench.Hosting;

/// <summary>
/// Orleans' ADO.NET membership tables on PostgreSQL (infra/sql/orleans/, embedded). The scripts are not idempotent, so each is
/// applied only when the table it creates is missing, under a transaction-scoped advisory lock: silos starting together on a
/// fresh database queue behind the first, which creates everything in one transaction; the others then find the tables.
/// </summary>
public static class OrleansClusteringSchema
{
    // Any constant shared by every HyperBench process, distinct from the results store's migration lock ("HyperBen").
    private const long LockKey = 0x4842_4F72_6C65_616E; // "HBOrlean"

    private const string ResourcePrefix = "HyperBench.Hosting.OrleansSql.";

    /// <summary>The scripts in the order they apply, each with the table whose presence means it has been applied.</summary>
    private static readonly (string Script, string Table)[] Scripts =
    [
        ("01-PostgreSQL-Main.sql", "orleansquery"),
        ("02-PostgreSQL-Clustering.sql", "orleansmembershiptable"),
        ("03-PostgreSQL-Reminders.sql", "orleansreminderstable"), // silos only (schedules); a client never reads it
    ];

    /// <summary>The tables a client needs: the clustering ones.</summary>
    private static readonly string[] ClientTables = ["orleansquery", "orleansmembershiptable"];

    /// <summary>Creates the tables that are missing; returns the scripts applied (none when the tables were there).</summary>
    public static async Task<IReadOnlyList<string>> EnsureCreatedAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", LockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        var applied = new List<string>();
        foreach (var (script, table) in Scripts)
        {
            if (await TableExistsAsync(connection, transaction, table, cancellationToken)) continue;
            await using var command = new NpgsqlCommand(ReadScript(script), connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
            applied.Add(script);
        }
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    /// <summary>The tables a silo or client reads that are missing (empty when all are there).</summary>
    public static async Task<IReadOnlyList<string>> MissingTablesAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var missing = new List<string>();
        foreach (var table in ClientTables)
            if (!await TableExistsAsync(connection, null, table, cancellationToken)) missing.Add(table);
        return missing;
    }

    // to_regclass follows search_path, as the scripts' unqualified CREATE TABLE and Orleans' unqualified queries do.
    private static async Task<bool> TableExistsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection, transaction);
        command.Parameters.AddWithValue("name", table);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static string ReadScript(string script)
    {
        var assembly = typeof(OrleansClusteringSchema).Assembly;
        using var stream = assembly.GetManifestResourceStream(ResourcePrefix + script)
            ?? throw new InvalidOperationException($"embedded Orleans script {script} is missing from {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

/// <summary>
/// Creates the membership tables before Orleans' membership starts: this silo-lifecycle stage (RuntimeInitialize) runs before
/// MembershipTableManager's (RuntimeGrainServices), where the silo first reads the table and joins the cluster. A database that
/// cannot be reached yet is waited for (<see cref="StartupRetry"/>), so the join that follows finds it up.
/// </summary>
internal sealed class OrleansClusteringSchemaMigration(IOptions<HyperBenchSiloOptions> options, ILogger<OrleansClusteringSchemaMigration> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OrleansClusteringSchemaMigration), ServiceLifecycleStage.RuntimeInitialize, async ct =>
        {
            IReadOnlyList<string> applied = [];
            await StartupRetry.RunAsync("Orleans membership tables",
                async token => applied = await OrleansClusteringSchema.EnsureCreatedAsync(options.Value.ClusteringConnectionString!, token),
                TimeSpan.FromSeconds(options.Value.StartupRetrySeconds), logger, ct);
            if (applied.Count > 0) logger.LogInformation("Created Orleans' membership tables ({Scripts})", string.Join(", ", applied));
        });
}

/// <summary>
/// A client only reads the membership table, and a cluster without a silo has nothing to connect to, so a client does not create
/// the tables: it checks before Orleans' client starts (StartingAsync runs before any hosted service's StartAsync) and fails
/// with what to do, instead of Orleans' "relation orleansquery does not exist" from deep inside its gateway list.
/// </summary>
internal sealed class OrleansClusteringSchemaCheck(IOptions<HyperBenchSiloOptions> options) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var missing = await OrleansClusteringSchema.MissingTablesAsync(options.Value.ClusteringConnectionString!, cancellationToken);
        if (missing.Count > 0)
        {
            var database = new NpgsqlConnectionStringBuilder(options.Value.ClusteringConnectionString).Database;
            throw new InvalidOperationException(
                $"{HyperBenchSiloOptions.Section}:ClusteringConnectionString: database '{database}' has no Orleans membership table " +
                $"(missing: {string.Join(", ", missing)}). Start a HyperBench silo with Clustering=adonet on this database first " +
                "(it creates the tables), or check the connection string.");
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
