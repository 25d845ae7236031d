using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// The real SQLite store on a file in a temp folder, counting SaveResult calls (what the store accepted and what it refused as
/// a duplicate), so a test can tell "stored exactly once" from "stored once, offered twice".
/// </summary>
internal sealed class SqliteTestStore : ISweepStore, IAsyncDisposable
{
    private readonly SqlSweepStore _inner;
    private readonly bool _ownsFolder;
    private int _saveCalls;

    private SqliteTestStore(string folder, bool ownsFolder)
    {
        Folder = folder;
        _ownsFolder = ownsFolder;
        _inner = SweepStoreFactory.Create(Path.Combine(folder, "hyperbench.db"));
    }

    public string Folder { get; }

    public int SaveCalls => Volatile.Read(ref _saveCalls);

    /// <summary>When above 0, that many writes of case state (one row or a batch) fail, one each, as with a lost database.</summary>
    public int FailCaseWrites;

    /// <summary>Case-state writes that reached the database (a batch counts once), and the rows they carried.</summary>
    public int CaseWrites => Volatile.Read(ref _caseWrites);

    public int CaseRowsWritten => Volatile.Read(ref _caseRows);

    private int _caseWrites;
    private int _caseRows;

    private void CaseWrite(int rows)
    {
        if (Interlocked.Decrement(ref FailCaseWrites) >= 0) throw new InvalidOperationException("test: the database is gone for this write");
        Interlocked.Exchange(ref FailCaseWrites, Math.Max(0, Volatile.Read(ref FailCaseWrites)));
        Interlocked.Increment(ref _caseWrites);
        Interlocked.Add(ref _caseRows, rows);
    }

    public string Provider => _inner.Provider;

    public string Description => _inner.Description;

    /// <summary>A new database in a new temp folder.</summary>
    public static Task<SqliteTestStore> CreateAsync(CancellationToken cancellationToken) =>
        OpenAsync(Directory.CreateTempSubdirectory("hyperbench-grains-").FullName, ownsFolder: true, cancellationToken);

    /// <summary>Another store over the same file (a restarted process); the folder stays with its creator.</summary>
    public Task<SqliteTestStore> ReopenAsync(CancellationToken cancellationToken) => OpenAsync(Folder, ownsFolder: false, cancellationToken);

    public Task MigrateAsync(CancellationToken cancellationToken = default) => _inner.MigrateAsync(cancellationToken);

    public Task CreateSweepAsync(SweepRow sweep, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default) =>
        _inner.CreateSweepAsync(sweep, cases, cancellationToken);

    /// <summary>When set, adding case rows waits for it (a sweep's last cases not stored yet, as while a large sweep starts).</summary>
    public TaskCompletionSource? HoldAddCases;

    /// <summary>How many cases each <see cref="AddCasesAsync"/> stored, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<int> CasesAdded { get; } = new();

    public async Task AddCasesAsync(string sweepId, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default)
    {
        if (HoldAddCases is { } hold) await hold.Task.WaitAsync(cancellationToken);
        await _inner.AddCasesAsync(sweepId, cases, cancellationToken);
        CasesAdded.Enqueue(cases.Count);
    }

    public Task<SweepRow?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default) => _inner.GetSweepAsync(sweepId, cancellationToken);

    public Task<SweepRow?> GetChildSweepAsync(string parentSweepId, CancellationToken cancellationToken = default) =>
        _inner.GetChildSweepAsync(parentSweepId, cancellationToken);

    public Task LabelNoisyAsync(IReadOnlyList<string> sweepIds, IReadOnlyDictionary<string, bool> noisyByCase, CancellationToken cancellationToken = default) =>
        _inner.LabelNoisyAsync(sweepIds, noisyByCase, cancellationToken);

    public Task<IReadOnlyList<SweepRow>> ListSweepsAsync(int limit = 50, CancellationToken cancellationToken = default) =>
        _inner.ListSweepsAsync(limit, cancellationToken);

    public Task<IReadOnlyList<SweepRow>> ListUnfinishedSweepsAsync(CancellationToken cancellationToken = default) =>
        _inner.ListUnfinishedSweepsAsync(cancellationToken);

    public Task<IReadOnlyList<SweepCaseRow>> GetCasesAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _inner.GetCasesAsync(sweepId, cancellationToken);

    public Task UpdateCaseAsync(SweepCaseRow row, CancellationToken cancellationToken = default)
    {
        CaseWrite(1);
        return _inner.UpdateCaseAsync(row, cancellationToken);
    }

    /// <summary>When set, case-state writes wait for it before they reach the database (a slow write the test can release).</summary>
    public TaskCompletionSource? HoldCaseWrites { get; set; }

    public async Task UpdateCasesAsync(IReadOnlyList<SweepCaseRow> rows, CancellationToken cancellationToken = default)
    {
        if (HoldCaseWrites is { } hold) await hold.Task.WaitAsync(cancellationToken);
        CaseWrite(rows.Count);
        await _inner.UpdateCasesAsync(rows, cancellationToken);
    }

    public Task UpdateSweepAsync(SweepRow sweep, CancellationToken cancellationToken = default) => _inner.UpdateSweepAsync(sweep, cancellationToken);

    public Task<bool> SaveResultAsync(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt,
        CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _saveCalls);
        return _inner.SaveResultAsync(sweepId, result, environment, deviceKey, attempt, cancellationToken);
    }

    public Task<IReadOnlyList<bool>> SaveResultsAsync(IReadOnlyList<ResultToStore> results, CancellationToken cancellationToken = default)
    {
        Interlocked.Add(ref _saveCalls, results.Count);
        return _inner.SaveResultsAsync(results, cancellationToken);
    }

    public Task<IReadOnlyList<ResultSummaryRow>> GetResultsAsync(string sweepId, CancellationToken cancellationToken = default) =>
        _inner.GetResultsAsync(sweepId, cancellationToken);

    public Task<IReadOnlyList<double>> GetSamplesAsync(string sweepId, string caseId, CancellationToken cancellationToken = default) =>
        _inner.GetSamplesAsync(sweepId, caseId, cancellationToken);

    public Task<IReadOnlyDictionary<string, IReadOnlyList<HyperBench.Kernels.Telemetry.TelemetrySample>>> GetTelemetryAsync(string sweepId,
        CancellationToken cancellationToken = default) => _inner.GetTelemetryAsync(sweepId, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync();
        if (!_ownsFolder) return;
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere: the temp folder is cleaned by the OS later.
        }
    }

    private static async Task<SqliteTestStore> OpenAsync(string folder, bool ownsFolder, CancellationToken cancellationToken)
    {
        var store = new SqliteTestStore(folder, ownsFolder);
        await store.MigrateAsync(cancellationToken);
        return store;
    }
}
