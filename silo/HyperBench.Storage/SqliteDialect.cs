using System.Data.Common;
using HyperBench.Kernels.Telemetry;
using Microsoft.Data.Sqlite;

namespace HyperBench.Storage;

/// <summary>
/// SQLite in WAL mode, one pooled connection per operation: WAL lets readers run beside the single writer, and the busy
/// timeout makes concurrent writers of one process (or of several) wait instead of failing.
/// </summary>
internal sealed class SqliteDialect : StoreDialect
{
    private const int BusyTimeoutMs = 5000;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqlitePermission = 3;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    private readonly string _connectionString;
    private readonly string _path;
    private readonly bool _readOnly;
    private int _walSet;

    /// <param name="readOnly">Open with Mode=ReadOnly: the file must exist, and nothing (directory, schema, journal mode) is created or changed.</param>
    public SqliteDialect(string connectionString, bool readOnly = false)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 10, // Microsoft.Data.Sqlite's own busy loop; the retry pipeline goes on after it
        };
        if (string.IsNullOrWhiteSpace(builder.DataSource))
            throw new ArgumentException($"SQLite connection string '{connectionString}' names no file (Data Source=...).", nameof(connectionString));
        _readOnly = readOnly || builder.Mode == SqliteOpenMode.ReadOnly;
        if (builder.DataSource != ":memory:") CheckFile(builder.DataSource, mustExist: _readOnly);
        if (_readOnly) builder.Mode = SqliteOpenMode.ReadOnly;
        if (!_readOnly && builder.Mode is SqliteOpenMode.ReadWriteCreate or SqliteOpenMode.ReadWrite && builder.DataSource != ":memory:")
        {
            string? directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        _path = builder.DataSource;
        _connectionString = builder.ToString();
    }

    public override string Provider => "sqlite";

    public override bool BlocksCaller => true;

    public override string Description => $"sqlite:{_path}";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            // journal_mode=WAL is stored in the file; setting it once per process is enough (and never by a reader).
            command.CommandText = !_readOnly && Interlocked.Exchange(ref _walSet, 1) == 0
                ? $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={BusyTimeoutMs};"
                : $"PRAGMA busy_timeout={BusyTimeoutMs};";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            Interlocked.Exchange(ref _walSet, 0);
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // BEGIN IMMEDIATE takes the write lock at once: a second process waits (busy timeout) instead of racing.
        var transaction = ((SqliteConnection)connection).BeginTransaction(deferred: false);
        await Task.CompletedTask;
        return transaction;
    }

    public override async Task InsertSamplesAsync(DbConnection connection, DbTransaction transaction, string sweepId, string caseId,
        IReadOnlyList<double> samples, CancellationToken cancellationToken)
    {
        // One prepared command, parameters rebound per row, inside the caller's transaction: ~70k rows/s here.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO samples (sweep_id, case_id, ordinal, seconds) VALUES ($sweep, $case, $ordinal, $seconds)";
        command.Parameters.Add(new SqliteParameter("$sweep", sweepId));
        command.Parameters.Add(new SqliteParameter("$case", caseId));
        var ordinal = new SqliteParameter("$ordinal", SqliteType.Integer);
        var seconds = new SqliteParameter("$seconds", SqliteType.Real);
        command.Parameters.Add(ordinal);
        command.Parameters.Add(seconds);
        await command.PrepareAsync(cancellationToken);
        for (int i = 0; i < samples.Count; i++)
        {
            ordinal.Value = i;
            seconds.Value = samples[i];
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public override async Task InsertTelemetryAsync(DbConnection connection, DbTransaction transaction, string sweepId, string caseId,
        IReadOnlyList<TelemetrySample> samples, CancellationToken cancellationToken)
    {
        // As the timing samples: one prepared command, parameters rebound per row.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO telemetry_samples (sweep_id, case_id, ordinal, sampled_at_ms, sm_clock_mhz, memory_clock_mhz, temperature_c, " +
            "power_w, throttle_reasons, throttled) VALUES ($sweep, $case, $ordinal, $at, $sm, $memory, $temperature, $power, $reasons, $throttled)";
        command.Parameters.Add(new SqliteParameter("$sweep", sweepId));
        command.Parameters.Add(new SqliteParameter("$case", caseId));
        var ordinal = Parameter(command, "$ordinal", SqliteType.Integer);
        var at = Parameter(command, "$at", SqliteType.Integer);
        var sm = Parameter(command, "$sm", SqliteType.Integer);
        var memory = Parameter(command, "$memory", SqliteType.Integer);
        var temperature = Parameter(command, "$temperature", SqliteType.Integer);
        var power = Parameter(command, "$power", SqliteType.Real);
        var reasons = Parameter(command, "$reasons", SqliteType.Integer);
        var throttled = Parameter(command, "$throttled", SqliteType.Integer);
        await command.PrepareAsync(cancellationToken);
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            ordinal.Value = i;
            at.Value = UnixTime.ToMs(s.AtUtc);
            sm.Value = (object?)s.SmClockMhz ?? DBNull.Value;
            memory.Value = (object?)s.MemoryClockMhz ?? DBNull.Value;
            temperature.Value = (object?)s.TemperatureC ?? DBNull.Value;
            power.Value = (object?)s.PowerWatts ?? DBNull.Value;
            reasons.Value = s.ThrottleReasons is { } mask ? unchecked((long)mask) : DBNull.Value as object;
            throttled.Value = s.Throttled ? 1 : 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static SqliteParameter Parameter(DbCommand command, string name, SqliteType type)
    {
        var parameter = new SqliteParameter(name, type);
        command.Parameters.Add(parameter);
        return parameter;
    }

    public override string SchemaTableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";

    public override string TableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @table";

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Refuses, before anything is created, a path SQLite cannot use as a database: a directory, a path under a regular file, a file
    /// that is not SQLite (an empty file is a new database); with <paramref name="mustExist"/>, a file that is not there.
    /// </summary>
    /// <exception cref="InvalidStoreException">The message names the path and what is wrong with it.</exception>
    public static void CheckFile(string path, bool mustExist)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new InvalidStoreException($"database '{path}' is a directory, not a SQLite file.");
        for (string? parent = Path.GetDirectoryName(full); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(parent))
                throw new InvalidStoreException($"database '{path}' cannot be created: '{parent}' is a file, not a directory.");
            if (Directory.Exists(parent)) break;
        }
        if (!File.Exists(full))
        {
            if (mustExist) throw new InvalidStoreException($"database '{path}' does not exist.");
            return;
        }
        // Asked through SQLite itself, never by opening the file another way: closing any other descriptor of the file would drop
        // the POSIX locks SQLite holds on it in this process (a pooled connection's read lock among them), so another process
        // could checkpoint under it and this process would read stale pages. SQLite's own VFS shares one lock state per file.
        var probe = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(probe);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM sqlite_master";
            command.ExecuteScalar();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SqliteNotADatabase)
        {
            throw new InvalidStoreException($"database '{path}' is not a SQLite database (the file does not start with the SQLite header).", e);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SqliteCantOpen or SqlitePermission)
        {
            throw new InvalidStoreException($"database '{path}' cannot be read: {e.Message}", e);
        }
    }

    public override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };
}
