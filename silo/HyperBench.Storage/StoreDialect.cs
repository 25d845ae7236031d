using System.Data.Common;
using HyperBench.Kernels.Telemetry;

namespace HyperBench.Storage;

/// <summary>What differs between SQLite and PostgreSQL: connecting, locking the migrations, bulk samples, transient errors.</summary>
internal abstract class StoreDialect : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgresql"; also the name used by <c>-- only:</c> lines in migrations.</summary>
    public abstract string Provider { get; }

    /// <summary>
    /// True when the driver's async methods block the calling thread (Microsoft.Data.Sqlite): operations are then moved
    /// to the thread pool, so a caller on an Orleans scheduler thread is never blocked by a busy wait.
    /// </summary>
    public virtual bool BlocksCaller => false;

    /// <summary>For people and error messages; never contains a password.</summary>
    public abstract string Description { get; }

    /// <summary>An open connection, ready for use (pragmas applied on SQLite).</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>A transaction that serialises migration runs across processes.</summary>
    public abstract Task<DbTransaction> BeginMigrationTransactionAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task InsertSamplesAsync(DbConnection connection, DbTransaction transaction, string sweepId, string caseId,
        IReadOnlyList<double> samples, CancellationToken cancellationToken);

    /// <summary>A case's device readings (<c>telemetry_samples</c>), ordinals from 0, in one round trip where the driver allows.</summary>
    public abstract Task InsertTelemetryAsync(DbConnection connection, DbTransaction transaction, string sweepId, string caseId,
        IReadOnlyList<TelemetrySample> samples, CancellationToken cancellationToken);

    /// <summary>A query returning 1 when the schema_migrations table (the HyperBench schema) exists, else 0.</summary>
    public abstract string SchemaTableExistsSql { get; }

    /// <summary>A query returning 1 when the table named by the parameter <c>@table</c> exists in the schema in use, else 0.</summary>
    public abstract string TableExistsSql { get; }

    /// <summary>Failures of connecting that retrying cannot fix but that are not the user's input either (credentials refused).</summary>
    public virtual bool IsConnectionRefused(Exception exception) => false;

    /// <summary>True for failures that go away by themselves: server down or restarting, database busy.</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>Called after a transient failure, before the retry: drop pooled connections that may be dead.</summary>
    public virtual void OnTransientFailure()
    {
    }

    public abstract ValueTask DisposeAsync();
}
