using System.Globalization;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// What a sweep measures (<see cref="Grid"/>), how (<see cref="Measurement"/>) and how it is scheduled. Submitted as is, stored as
/// JSON with the sweep, validated by <see cref="Validate"/> on both sides and expanded by <see cref="BenchmarkGrid.Expand"/>.
/// Ids 0..18 held the flat fields of the plan before the grid and the measurement options were nested records: never reuse them.
/// </summary>
[GenerateSerializer, Alias("hyperbench.SweepPlan")]
public sealed record SweepPlan
{
    /// <summary>Leases of one case before it is stored failed (expired or abandoned leases count).</summary>
    [Id(19)] public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// How long a lease lives without a heartbeat. Workers renew it while a case runs, so this bounds how long a dead worker holds a
    /// case, not how long a case may take.
    /// </summary>
    [Id(20)] public double LeaseSeconds { get; init; } = 60;

    [Id(21)] public string? Tag { get; init; }

    /// <summary>
    /// Only devices matching one of these run the sweep: a kind ("cpu", "cuda", "ilgpu-cpu"), a device id ("cuda:1") or a full
    /// device key ("host:11111/cuda:0"). Empty: every device.
    /// </summary>
    [Id(22)] public string[] Devices { get; init; } = [];

    /// <summary>The cases: every value of every axis, crossed.</summary>
    [Id(23)] public BenchmarkGrid Grid { get; init; } = new();

    /// <summary>How each case is measured (the same for every case of the sweep).</summary>
    [Id(24)] public MeasurementOptions Measurement { get; init; } = MeasurementOptions.ForMinSamples(5, 1.0, 1, 0.5);

    /// <summary>
    /// The noise gate (<see cref="NoiseGate"/>, docs/measurement.md): a case whose samples' coefficient of variation is above this
    /// is measured again, with a larger budget, in one child sweep; null: no gate (plans stored before the gate existed).
    /// +Infinity is a gate that never fires.
    /// </summary>
    [Id(25)] public double? CvLimit { get; init; }

    /// <summary>Only these case ids of <see cref="Grid"/> (a noise gate's re-measure); null: every case of the grid.</summary>
    [Id(26)] public string[]? Cases { get; init; }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the first bad value; ParamName is the grid axis, the measurement setting or
    /// the scheduling property (the CLI turns it into the option's name).
    /// </summary>
    public void Validate()
    {
        Grid.Validate();
        foreach (var device in Devices)
            if (!DeviceSpec.TryParse(device, out _, out var error)) throw new ArgumentException(error, nameof(Devices));
        if (DeviceModel is not null && (DeviceModel.Trim().Length == 0 || DeviceModel.Trim() != DeviceModel))
            throw new ArgumentException($"'{DeviceModel}' is not a device model (empty, or with spaces around it).", nameof(DeviceModel));
        if (Fingerprint is not null && (Fingerprint.Length == 0 || !Fingerprint.All(Uri.IsHexDigit)))
            throw new ArgumentException($"'{Fingerprint}' is not a fingerprint prefix (hex digits of an environment_id).", nameof(Fingerprint));
        if (Gang is { } gang && (gang < 1 || gang > 1024))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{gang} must be between 1 and 1024 (devices leased together)."), nameof(Gang));
        if (Shards is { } shards && (shards < 1 || shards > 100_000))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{shards} must be between 1 and 100000 (shards of each case)."), nameof(Shards));
        if (MaxAttempts < 1) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{MaxAttempts} must be >= 1."), nameof(MaxAttempts));
        if (!(LeaseSeconds > 0) || double.IsInfinity(LeaseSeconds))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{LeaseSeconds} must be > 0 seconds."), nameof(LeaseSeconds));
        if (CvLimit is { } limit && !(limit >= 0))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{limit} must be >= 0 (a coefficient of variation, e.g. 0.1 for 10%)."),
                nameof(CvLimit));
        if (Cases is not null)
        {
            var ids = (this with { Cases = null }).ExpandCases().Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in Cases)
                if (!ids.Contains(id)) throw new ArgumentException($"case '{id}' is not a case of the plan's grid.", nameof(Cases));
        }
    }

    /// <summary>
    /// Only devices of this model run the sweep: the model as `devices` shows it ("NVIDIA H200"), or a glob with * and ?
    /// ("NVIDIA H*"), compared without regard to case. Null: any model.
    /// </summary>
    [Id(27)] public string? DeviceModel { get; init; }

    /// <summary>
    /// Only devices whose environment fingerprint (the environment_id stored with their results: host, OS, build, device) starts
    /// with this hex prefix run the sweep. Null: any environment.
    /// </summary>
    [Id(28)] public string? Fingerprint { get; init; }

    /// <summary>
    /// Gang leasing (docs/scaling.md): the sweep hands out its pending cases this many at a time, one to each of as many free
    /// matching devices, in one grain turn, so the shards of a layer start together. Null or 1: one case per lease as usual.
    /// </summary>
    [Id(29)] public int? Gang { get; init; }

    /// <summary>
    /// Each case of the grid runs as this many shards, shard i with seed Seed + i (its own inputs, as the heads of one layer split
    /// across devices have their own data); a scaling study's layer split by heads (docs/scaling.md). Null or 1: each case once.
    /// </summary>
    [Id(30)] public int? Shards { get; init; }

    /// <summary>The cases this plan runs, in the grid's order: the grid's, or those of <see cref="Cases"/> when it is set.</summary>
    public IReadOnlyList<BenchmarkCase> ExpandCases()
    {
        var all = Grid.Expand();
        if (Shards is > 1)
            all = [.. all.SelectMany(c => Enumerable.Range(0, Shards.Value).Select(i => c with { Seed = c.Seed + (ulong)i }))];
        if (Cases is null) return all;
        var only = Cases.ToHashSet(StringComparer.Ordinal);
        return [.. all.Where(c => only.Contains(c.Id))];
    }

    public override string ToString() => Grid.ToString();
}
