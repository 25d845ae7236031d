using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Grains;

/// <summary>
/// The "HyperBench" meter (docs/metrics.md): per-silo counters, histograms and gauges, exported by the host (Prometheus).
/// Labels are bounded: kernel, n, causal, pass, dtype, device (the device id: cuda:0, cpu); never a sweep or case id, never the silo
/// (that is Prometheus' <c>instance</c>).
/// </summary>
public sealed class HyperBenchMetrics : IDisposable
{
    public const string MeterName = "HyperBench";

    public const string OverheadInstrument = "hyperbench_case_overhead";

    /// <summary>
    /// The buckets of <c>hyperbench_kernel_duration_seconds</c>: 1, 2 and 5 per decade from 10 µs to 100 s (log-spaced), so a kernel
    /// time lands in a bucket at most 2.5 times wider than itself whatever n is. OpenTelemetry's defaults (0, 5, 10 ... 10000) would put
    /// every kernel in the first one.
    /// </summary>
    public static IReadOnlyList<double> KernelDurationBuckets { get; } =
    [
        1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100,
    ];

    private readonly Meter _meter;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _scheduleRuns;
    private readonly Counter<long> _regressions;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _overhead;
    private readonly ConcurrentDictionary<string, RunningDevice> _devices = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _pendingBySweep = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BusyClock> _busy = new(StringComparer.Ordinal);

    public HyperBenchMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _completed = _meter.CreateCounter<long>("hyperbench_cases_completed", description: "Cases measured and stored.");
        _failed = _meter.CreateCounter<long>("hyperbench_cases_failed", description: "Cases stored failed (kernel error, out of attempts).");
        _skipped = _meter.CreateCounter<long>("hyperbench_cases_skipped", description: "Cases the scheduler skipped: no device of the sweep can hold them.");
        _scheduleRuns = _meter.CreateCounter<long>("hyperbench_schedule_runs", description: "Scheduled runs started, completed (compared) or failed, by status.");
        _regressions = _meter.CreateCounter<long>("hyperbench_regressions_detected",
            description: "Cases a scheduled run's automatic comparison found slower or less accurate, by kernel and pass.");
        _retries = _meter.CreateCounter<long>("hyperbench_case_retries", description: "Leases expired or abandoned and offered again.");
        _duration = _meter.CreateHistogram("hyperbench_kernel_duration", unit: "s", description: "Median kernel time of a measured case.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = KernelDurationBuckets });
        _overhead = _meter.CreateHistogram<double>(OverheadInstrument, unit: "s",
            description: "Orchestration time of a case beyond the measurement itself: lease, heartbeat, store, complete.");
        // Summed over the sweeps active on this silo: a sweep id is never a label (unbounded).
        _meter.CreateObservableGauge("hyperbench_sweep_cases_pending", () => _pendingBySweep.Values.Sum(),
            description: "Cases waiting for a device, over the sweeps whose grains live on this silo.");
        _meter.CreateObservableGauge("hyperbench_devices", ObserveDevices, description: "Device workers running, by silo and device model.");
        _meter.CreateObservableGauge("hyperbench_device_info", ObserveDeviceInfo,
            description: "1 per running device worker; its labels join per-device series to a model and, through pci_bus_id, to DCGM's.");
        _meter.CreateObservableCounter("hyperbench_device_busy", ObserveBusy, unit: "s",
            description: "Time the device's worker spent running cases (measurement included, orchestration not).");
        var build = BuildInfo.Current;
        _meter.CreateObservableGauge("hyperbench_build_info", () => new Measurement<int>(1, new TagList
        {
            { "version", build.Version }, { "commit", build.Commit }, { "ilgpu", build.Ilgpu }, { "dotnet", build.DotNet },
        }), description: "1, labelled with the silo's HyperBench version, git commit, ILGPU and .NET versions.");
    }

    public void CaseCompleted(string kernel, int n, bool causal, string pass, string dtype, string device, double medianSeconds)
    {
        var tags = new TagList { { "kernel", kernel }, { "n", n }, { "causal", causal }, { "pass", pass }, { "dtype", dtype }, { "device", device } };
        _completed.Add(1, tags);
        _duration.Record(medianSeconds, tags);
    }

    public void CaseFailed(string kernel, string device) =>
        _failed.Add(1, new TagList { { "kernel", kernel }, { "device", device } });

    /// <summary>A scheduled run changed status (started, completed, failed: ScheduleRunStatus); never the schedule's name.</summary>
    public void ScheduleRun(string status) => _scheduleRuns.Add(1, new TagList { { "status", status } });

    /// <summary>A scheduled run's comparison found this case slower or less accurate.</summary>
    public void RegressionDetected(string kernel, string pass) => _regressions.Add(1, new TagList { { "kernel", kernel }, { "pass", pass } });

    public void CaseSkipped(string kernel) => _skipped.Add(1, new TagList { { "kernel", kernel } });

    public void CaseOverhead(double seconds, string device) => _overhead.Record(seconds, new TagList { { "device", device } });

    /// <summary>A sweep's pending count; 0 (or a finished sweep) removes it.</summary>
    public void SweepPending(string sweepId, int pending)
    {
        if (pending > 0) _pendingBySweep[sweepId] = pending;
        else _pendingBySweep.TryRemove(sweepId, out _);
    }

    public void CaseRetried() => _retries.Add(1);

    /// <summary>A device worker is up: counted in hyperbench_devices, described by hyperbench_device_info, its busy time from 0.</summary>
    public void DeviceStarted(string deviceKey, string silo, RunningDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _devices[deviceKey] = device with { Silo = silo };
        _busy.GetOrAdd(device.DeviceId, _ => new BusyClock());
    }

    public void DeviceStopped(string deviceKey) => _devices.TryRemove(deviceKey, out _);

    /// <summary>Counts the time until the returned scope is disposed as busy time of <paramref name="deviceId"/> (read live while it runs).</summary>
    public IDisposable DeviceBusy(string deviceId) => _busy.GetOrAdd(deviceId, _ => new BusyClock()).Start();

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> ObserveDevices() =>
        _devices.Values
            .GroupBy(d => (d.Silo, d.Model, d.Kind))
            .Select(g => new Measurement<int>(g.Count(), new TagList { { "silo", g.Key.Silo }, { "model", g.Key.Model }, { "kind", g.Key.Kind } }));

    private IEnumerable<Measurement<int>> ObserveDeviceInfo() =>
        _devices.Values
            .DistinctBy(d => d.DeviceId, StringComparer.Ordinal)
            .Select(d => new Measurement<int>(1, new TagList
            {
                { "device", d.DeviceId }, { "model", d.Model }, { "kind", d.Kind }, { "pci_bus_id", d.PciBusId }, { "uuid", d.Uuid },
                { "driver", d.Driver },
            }));

    private IEnumerable<Measurement<double>> ObserveBusy() =>
        _busy.Select(b => new Measurement<double>(b.Value.Seconds, new TagList { { "device", b.Key } }));

    /// <summary>A device's busy time: what finished cases took plus the running one's time so far.</summary>
    private sealed class BusyClock
    {
        private readonly Lock _lock = new();
        private double _done;
        private long _since;

        public double Seconds
        {
            get
            {
                lock (_lock) return _done + (_since == 0 ? 0 : Stopwatch.GetElapsedTime(_since).TotalSeconds);
            }
        }

        public IDisposable Start()
        {
            lock (_lock) _since = Stopwatch.GetTimestamp();
            return new Scope(this);
        }

        private void Stop()
        {
            lock (_lock)
            {
                if (_since == 0) return;
                _done += Stopwatch.GetElapsedTime(_since).TotalSeconds;
                _since = 0;
            }
        }

        private sealed class Scope(BusyClock clock) : IDisposable
        {
            public void Dispose() => clock.Stop();
        }
    }
}

/// <summary>
/// A running device as the metrics describe it. <paramref name="PciBusId"/> is in DCGM's form ("00000000:3B:00.0", the kernels'
/// PciBusId), so hyperbench_device_info joins dcgm-exporter's series on it; empty where the device has none (cpu), like
/// <paramref name="Uuid"/> (not known to the backends yet) and <paramref name="Driver"/>.
/// </summary>
public sealed record RunningDevice(string DeviceId, string Model, string Kind, string PciBusId = "", string Uuid = "", string Driver = "")
{
    /// <summary>The silo the worker runs in (set by <see cref="HyperBenchMetrics.DeviceStarted"/>).</summary>
    public string Silo { get; init; } = "";
}
