namespace HyperBench.Storage;

/// <summary>
/// Which stored results `hyperbench history` reads: each list, when given, keeps rows whose column is one of its values (kernel and
/// pass by their short names, dtype by its canonical name, device model as the backend names it); null keeps all.
/// </summary>
public sealed record HistoryFilter
{
    public IReadOnlyList<string>? Kernels { get; init; }

    public IReadOnlyList<int>? SeqLens { get; init; }

    public IReadOnlyList<bool>? Causal { get; init; }

    public IReadOnlyList<string>? Passes { get; init; }

    public IReadOnlyList<string>? Dtypes { get; init; }

    public IReadOnlyList<string>? DeviceModels { get; init; }

    /// <summary>Only sweeps with this tag.</summary>
    public string? Tag { get; init; }

    /// <summary>Only sweeps a schedule of this name ran (the schedule_runs table; see <see cref="HistoryQueries.SchedulesExistAsync"/>).</summary>
    public string? Schedule { get; init; }
}
