using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace HyperBench.Grains;

/// <summary>
/// The "HyperBench" meter (docs/measurement.md, Metrics): per-silo counters and histograms, exported by the host (Prometheus).
/// Labels are bounded: kernel, n, causal, pass, device; never a sweep or case id.
/// </summary>
public sealed class HyperBenchMetrics : IDisposable
{
    public const string MeterName = "HyperBench";

    public const string OverheadInstrument = "hyperbench_case_overhead";

    private readonly Meter _meter;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _retries;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _overhead;
    private readonly ConcurrentDictionary<string, (string Silo, string Model, string Kind)> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pendingBySweep = new(StringComparer.Ordinal);

    public HyperBenchMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _completed = _meter.CreateCounter<long>("hyperbench_cases_completed", description: "Cases measured and stored.");
        _failed = _meter.CreateCounter<long>("hyperbench_cases_failed", description: "Cases stored failed (kernel error, out of attempts).");
        _skipped = _meter.CreateCounter<long>("hyperbench_cases_skipped", description: "Cases the scheduler skipped: no device of the sweep can hold them.");
        _retries = _meter.CreateCounter<long>("hyperbench_case_retries", description: "Leases expired or abandoned and offered again.");
        _duration = _meter.CreateHistogram<double>("hyperbench_kernel_duration", unit: "s", description: "Median kernel time of a measured case.");
        _overhead = _meter.CreateHistogram<double>(OverheadInstrument, unit: "s",
            description: "Orchestration time of a case beyond the measurement itself: lease, heartbeat, store, complete.");
        // Summed over the sweeps active on this silo: a sweep id is never a label (unbounded).
        _meter.CreateObservableGauge("hyperbench_sweep_cases_pending", () => _pendingBySweep.Values.Sum(),
            description: "Cases waiting for a device, over the sweeps whose grains live on this silo.");
        _meter.CreateObservableGauge("hyperbench_devices", ObserveDevices, description: "Device workers running, by silo and device model.");
    }

    public void CaseCompleted(string kernel, int n, bool causal, string pass, string device, double medianSeconds)
    {
        var tags = new TagList { { "kernel", kernel }, { "n", n }, { "causal", causal }, { "pass", pass }, { "device", device } };
        _completed.Add(1, tags);
        _duration.Record(medianSeconds, tags);
    }

    public void CaseFailed(string kernel, string device) =>
        _failed.Add(1, new TagList { { "kernel", kernel }, { "device", device } });

    public void CaseSkipped(string kernel) => _skipped.Add(1, new TagList { { "kernel", kernel } });

    public void CaseOverhead(double seconds, string device) => _overhead.Record(seconds, new TagList { { "device", device } });

    /// <summary>A sweep's pending count; 0 (or a finished sweep) removes it.</summary>
    public void SweepPending(string sweepId, int pending)
    {
        if (pending > 0) _pendingBySweep[sweepId] = pending;
        else _pendingBySweep.TryRemove(sweepId, out _);
    }

    public void CaseRetried() => _retries.Add(1);

    public void DeviceStarted(string deviceKey, string silo, string model, string kind) => _devices[deviceKey] = (silo, model, kind);

    public void DeviceStopped(string deviceKey) => _devices.TryRemove(deviceKey, out _);

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveDevices() =>
        _devices.Values
            .GroupBy(d => d)
            .Select(g => new Measurement<int>(g.Count(), new TagList { { "silo", g.Key.Silo }, { "model", g.Key.Model }, { "kind", g.Key.Kind } }));
}
