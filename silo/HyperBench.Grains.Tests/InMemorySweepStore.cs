using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains.Tests;

/// <summary>
/// An <see cref="ISweepStore"/> in memory with the same contract (rows copied in and out, results keyed by (sweep, case)), and
/// a count of every SaveResult call: lets the scheduling tests see what a SQL store would hide.
/// </summary>
internal sealed class InMemorySweepStore : ISweepStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SweepRow> _sweeps = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), SweepCaseRow> _cases = [];
    private readonly Dictionary<(string, string), (CaseResult Result, string DeviceKey, int Attempt)> _results = [];

    public string Provider => "memory";

    public string Description => "in memory (tests)";

    public int SaveCalls { get; private set; }

    public Task MigrateAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task CreateSweepAsync(SweepRow sweep, IReadOnlyList<SweepCaseRow> cases, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_sweeps.ContainsKey(sweep.SweepId)) throw new InvalidOperationException($"sweep {sweep.SweepId} exists");
            _sweeps[sweep.SweepId] = Copy(sweep);
            foreach (var c in cases) _cases[(c.SweepId, c.CaseId)] = Copy(c);
        }
        return Task.CompletedTask;
    }

    public Task<SweepRow?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_sweeps.TryGetValue(sweepId, out var s) ? Copy(s) : null);
    }

    public Task<IReadOnlyList<SweepRow>> ListSweepsAsync(int limit = 50, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<SweepRow>>(_sweeps.Values.OrderByDescending(s => s.CreatedUtc).Take(limit).Select(Copy).ToList());
    }

    public Task<IReadOnlyList<SweepRow>> ListUnfinishedSweepsAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult<IReadOnlyList<SweepRow>>(_sweeps.Values.Where(s => s.Status == "running").Select(Copy).ToList());
    }

    public Task<IReadOnlyList<SweepCaseRow>> GetCasesAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<SweepCaseRow>>(_cases.Values.Where(c => c.SweepId == sweepId).OrderBy(c => c.Ordinal).Select(Copy).ToList());
    }

    public Task UpdateCaseAsync(SweepCaseRow row, CancellationToken cancellationToken = default)
    {
        lock (_gate) _cases[(row.SweepId, row.CaseId)] = Copy(row);
        return Task.CompletedTask;
    }

    public Task UpdateSweepAsync(SweepRow sweep, CancellationToken cancellationToken = default)
    {
        lock (_gate) _sweeps[sweep.SweepId] = Copy(sweep);
        return Task.CompletedTask;
    }

    public Task<bool> SaveResultAsync(string sweepId, CaseResult result, EnvironmentInfo environment, string deviceKey, int attempt,
        CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            SaveCalls++;
            return Task.FromResult(_results.TryAdd((sweepId, result.CaseId), (result, deviceKey, attempt)));
        }
    }

    public Task<IReadOnlyList<ResultSummaryRow>> GetResultsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<ResultSummaryRow>>(_results
                .Where(r => r.Key.Item1 == sweepId)
                .Select(r => new ResultSummaryRow
                {
                    SweepId = sweepId,
                    CaseId = r.Key.Item2,
                    Kernel = r.Value.Result.Case.Kernel.ToString().ToLowerInvariant(),
                    N = r.Value.Result.Case.N,
                    DeviceKey = r.Value.DeviceKey,
                    Error = r.Value.Result.Error,
                    Status = r.Value.Result.Error is null ? "done" : "failed",
                    SampleCount = r.Value.Result.Samples.Count,
                    MedianSeconds = r.Value.Result.Statistics?.Median,
                    Attempt = r.Value.Attempt,
                })
                .ToList());
        }
    }

    public Task<IReadOnlyList<double>> GetSamplesAsync(string sweepId, string caseId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
            return Task.FromResult<IReadOnlyList<double>>(_results.TryGetValue((sweepId, caseId), out var r) ? r.Result.Samples.ToList() : []);
    }

    private static SweepRow Copy(SweepRow s) => new()
    {
        SweepId = s.SweepId, Tag = s.Tag, PlanJson = s.PlanJson, MeasurementJson = s.MeasurementJson, Status = s.Status,
        CreatedUtc = s.CreatedUtc, FinishedUtc = s.FinishedUtc, CaseCount = s.CaseCount, DoneCount = s.DoneCount, FailedCount = s.FailedCount,
    };

    private static SweepCaseRow Copy(SweepCaseRow c) => new()
    {
        SweepId = c.SweepId, CaseId = c.CaseId, Ordinal = c.Ordinal, CaseJson = c.CaseJson, Status = c.Status, Attempts = c.Attempts,
        LeaseId = c.LeaseId, DeviceKey = c.DeviceKey, LeaseExpiresUtc = c.LeaseExpiresUtc, Error = c.Error, UpdatedUtc = c.UpdatedUtc,
    };
}
