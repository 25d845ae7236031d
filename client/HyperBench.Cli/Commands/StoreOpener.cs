using HyperBench.Cli.Plans;
using HyperBench.Storage;

namespace HyperBench.Cli.Commands;

/// <summary>
/// Opens the results store named by --db (or the HyperBench:Db setting) for reading only: SQLite with Mode=ReadOnly, no migration on either database. An absent
/// file, or one without the HyperBench schema, is an error naming it, and its bytes stay as they were.
/// </summary>
internal static class StoreOpener
{
    public static async Task<ISweepStore> OpenExistingAsync(string? dbOption, CancellationToken cancellationToken)
    {
        var (db, name) = CliConfiguration.Db(dbOption);
        if (SweepStoreFactory.SqliteFilePath(db) is { } file && file != ":memory:" && !File.Exists(file) && !Directory.Exists(file))
            throw new PlanException($"{name}: no results database at '{db}' (run `hyperbench sweep` first, or name the database with --db).");
        try
        {
            return await SweepStoreFactory.OpenReadOnlyAsync(db, options: RetryOptions(), cancellationToken: cancellationToken);
        }
        catch (InvalidStoreException ex)
        {
            throw new PlanException($"{name}: {ex.Message}");
        }
    }

    /// <summary>
    /// The results store named by <paramref name="db"/> for writing (migrations, verdicts and their labels, schedules and their runs): it
    /// waits for a database that is down as long as a reader does (<see cref="RetryOptions"/>).
    /// </summary>
    public static SqlSweepStore OpenWriter(string db) => SweepStoreFactory.Create(db, options: RetryOptions());

    /// <summary>HYPERBENCH_DB_RETRY_SECONDS shortens (or lengthens) how long the CLI waits for a database that is down (default 30 s).</summary>
    internal static SweepStoreOptions? RetryOptions()
    {
        string? text = Environment.GetEnvironmentVariable("HYPERBENCH_DB_RETRY_SECONDS");
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (!double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double seconds)
            || !(seconds >= 0) || seconds > 3600)
            throw new PlanException($"HYPERBENCH_DB_RETRY_SECONDS: '{text}' is not a number of seconds between 0 and 3600.");
        return new SweepStoreOptions { RetryWindow = TimeSpan.FromSeconds(seconds) };
    }

    /// <summary>
    /// Checks the database a sweep will write to, creating nothing (a directory, a path under a file, a non-SQLite file, a bad
    /// connection string); <paramref name="name"/> says where it came from (--db or HyperBench:Db).
    /// </summary>
    public static void CheckWritable(string db, string name)
    {
        try
        {
            SweepStoreFactory.Check(db);
        }
        catch (InvalidStoreException ex)
        {
            throw new PlanException($"{name}: {ex.Message}");
        }
        catch (ArgumentException ex)
        {
            throw new PlanException($"{name}: {ex.Message.Split(" (Parameter", 2)[0]}");
        }
    }

    /// <summary>The stored sweep, or a <see cref="PlanException"/> naming the id and the database.</summary>
    public static async Task<SweepRow> FindSweepAsync(ISweepStore store, string sweepId, CancellationToken cancellationToken) =>
        await store.GetSweepAsync(sweepId, cancellationToken)
        ?? throw new PlanException($"sweep '{sweepId}' is not in {store.Description} (`hyperbench results` lists the stored sweeps).");
}
