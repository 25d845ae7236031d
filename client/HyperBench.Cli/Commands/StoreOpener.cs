using HyperBench.Cli.Plans;
using HyperBench.Storage;

namespace HyperBench.Cli.Commands;

/// <summary>Opens the results store named by --db for reading: an absent SQLite file is an error, not a new empty database.</summary>
internal static class StoreOpener
{
    public static async Task<ISweepStore> OpenExistingAsync(string? dbOption, CancellationToken cancellationToken)
    {
        string db = DbLocation.Resolve(dbOption);
        if (SweepStoreFactory.SqliteFilePath(db) is { } file && file != ":memory:" && !File.Exists(file))
            throw new PlanException($"--db: no results database at '{db}' (run `hyperbench sweep` first, or name the database with --db).");
        var store = SweepStoreFactory.Create(db);
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    /// <summary>The stored sweep, or a <see cref="PlanException"/> naming the id and the database.</summary>
    public static async Task<SweepRow> FindSweepAsync(ISweepStore store, string sweepId, CancellationToken cancellationToken) =>
        await store.GetSweepAsync(sweepId, cancellationToken)
        ?? throw new PlanException($"sweep '{sweepId}' is not in {store.Description} (`hyperbench results` lists the stored sweeps).");
}
