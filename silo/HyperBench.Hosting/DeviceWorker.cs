using System.Diagnostics;
using HyperBench.Contracts;
using HyperBench.Grains;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;
using HyperBench.Kernels.Telemetry;
using HyperBench.Storage;
using Microsoft.Extensions.Logging;

namespace HyperBench.Hosting;

/// <summary>
/// Runs one device. Kernels run on this worker's own thread (never the thread pool, never a grain turn): it asks the active sweeps
/// for a lease, measures the case while a timer renews the lease, stores the result, then completes the lease. A simulated device
/// (sim:i) waits its modelled time instead of measuring. Idle, it long-polls the active sweeps (docs/scheduling.md) instead of polling.
/// </summary>
public sealed class DeviceWorker : IDisposable
{
    private readonly string _deviceSpec;
    private readonly string _siloAddress;
    private readonly IGrainFactory _grains;
    private readonly HyperBenchMetrics _metrics;
    private readonly DeviceWorkerOptions _options;
    private readonly TimeSpan _heartbeat;
    private readonly TimeSpan _idlePoll;
    private readonly DeviceWorkerScope _scope;
    private readonly IDeviceWorkerFaults _faults;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<DeviceView> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly BufferedResultWriter _results;
    private DeviceView? _view;
    private IDeviceTelemetry? _telemetry;
    private readonly SimModel? _simModel;
    private ActiveSweeps? _work;
    private bool _died;
    private readonly int? _cpuThreads;

    public DeviceWorker(string deviceSpec, string siloAddress, IGrainFactory grains, ISweepStore store, HyperBenchMetrics metrics,
        DeviceWorkerOptions options, DeviceWorkerScope scope, IDeviceWorkerFaults faults, ILoggerFactory loggerFactory, int? cpuThreads = null,
        SimModel? simModel = null)
    {
        _cpuThreads = cpuThreads;
        _simModel = simModel;
        _deviceSpec = deviceSpec;
        _siloAddress = siloAddress;
        _grains = grains;
        _metrics = metrics;
        _options = options;
        _heartbeat = TimeSpan.FromSeconds(options.HeartbeatSeconds);
        _idlePoll = TimeSpan.FromMilliseconds(options.IdlePollMilliseconds);
        _scope = scope;
        _faults = faults;
        _logger = loggerFactory.CreateLogger<DeviceWorker>();
        _results = new BufferedResultWriter(store, logger: loggerFactory.CreateLogger<BufferedResultWriter>());
        _thread = new Thread(Run) { IsBackground = true, Name = $"hyperbench-device {deviceSpec}" };
    }

    /// <summary>The device as registered; completes once the backend is up and registered (faults when it could not start).</summary>
    public Task<DeviceView> Ready => _ready.Task;

    /// <summary>Completes when the worker's thread has ended.</summary>
    public Task Exited => _exited.Task;

    public void Start() => _thread.Start();

    /// <summary>Stops after the current case: a running case is cancelled and its lease given back.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _exited.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        // Everything it held was awaited by the worker before completing a lease: draining here is quick.
        _results.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private void Run()
    {
        try
        {
            RunDevice();
        }
        catch (Exception ex)
        {
            // Last resort: an exception escaping a dedicated thread ends the whole process (and every other device with it).
            _ready.TrySetException(ex);
        }
        finally
        {
            _exited.TrySetResult();
        }
    }

    private void RunDevice()
    {
        ICaseRunner? runner = null;
        try
        {
            // Created on this thread: a GPU context is bound to the thread that made it.
            runner = BackendFactory.CreateRunner(_deviceSpec, _simModel, DeviceSpec.Parse(_deviceSpec).Index is null ? null : _cpuThreads);
            var device = runner.Device;
            var environment = EnvironmentInfo.Capture(device);
            _telemetry = DeviceTelemetry.For(device, TimeSpan.FromMilliseconds(_options.TelemetryPeriodMilliseconds));
            if (_telemetry.UnavailableReason is { } noTelemetry && device.Kind == DeviceKind.Cuda)
                _logger.LogWarning("Device worker for {Device}: no GPU telemetry ({Reason})", _deviceSpec, noTelemetry);
            _view = new DeviceView($"{_siloAddress}/{device.Id}", device.Id, DeviceSpec.OfKind(device.Kind).ToString(), device.Name,
                _options.DeviceMemoryLimitBytes > 0 ? Math.Min(_options.DeviceMemoryLimitBytes, device.MemoryBytes) : device.MemoryBytes, device.Detail,
                _siloAddress, DateTime.UtcNow, Fingerprint: SqlSweepStore.EnvironmentId(environment));
            Wait(_grains.GetGrain<IDeviceRegistryGrain>(0).RegisterAsync(_view));
            _metrics.DeviceStarted(_view.DeviceKey, _siloAddress,
                new RunningDevice(device.Id, device.Name, _view.Kind, device.PciBusId?.ToString() ?? "", Driver: device.Driver));
            _logger.LogInformation("Device worker {DeviceKey} started: {Model}", _view.DeviceKey, device.Name);
            _ready.TrySetResult(_view);
            Loop(runner, environment);
        }
        catch (Exception ex) when (!_ready.Task.IsCompleted)
        {
            _logger.LogError(ex, "Device worker for {Device} could not start", _deviceSpec);
            _ready.TrySetException(ex);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Device worker for {Device} ended unexpectedly", _deviceSpec);
        }
        finally
        {
            _telemetry?.Dispose();
            runner?.Dispose();
            if (_view is not null)
            {
                _metrics.DeviceStopped(_view.DeviceKey);
                if (!_died) TryWait(() => _grains.GetGrain<IDeviceRegistryGrain>(0).UnregisterAsync(_view.DeviceKey), "unregister");
            }
        }
    }

    private void Loop(ICaseRunner runner, EnvironmentInfo environment)
    {
        var view = _view!;
        var lastHeartbeat = Stopwatch.StartNew();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                long cycleStart = Stopwatch.GetTimestamp();
                var lease = TryLease(view);
                if (lease is null)
                {
                    if (lastHeartbeat.Elapsed >= _heartbeat)
                    {
                        Heartbeat(view, null);
                        lastHeartbeat.Restart();
                    }
                    // No polling: the active sweeps answer when a sweep starts or a case goes back to pending, else at the next heartbeat.
                    // At most 20 s: under Orleans' response timeout (30 s by default), however long the heartbeat period.
                    var untilHeartbeat = TimeSpan.FromSeconds(Math.Min(20, (_heartbeat - lastHeartbeat.Elapsed).TotalSeconds));
                    _work = Wait(_grains.GetGrain<IActiveSweepsGrain>(0)
                        .WaitForWorkAsync(_work?.Version ?? -1, untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero).WaitAsync(_stopping.Token));
                    continue;
                }
                if (_faults.DiesHolding(lease))
                {
                    _logger.LogWarning("Device worker {DeviceKey} dies holding lease {LeaseId} (injected fault)", view.DeviceKey, lease.LeaseId);
                    _died = true;
                    return;
                }
                RunLease(runner, environment, view, lease, cycleStart);
                lastHeartbeat.Restart();
            }
            catch (ObjectDisposedException ex)
            {
                // The silo's services are gone (the host was torn down without stopping this worker): nothing left to work for.
                _logger.LogWarning(ex, "Device worker {DeviceKey}: its silo is gone; stopping", view.DeviceKey);
                _died = true;
                return;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                // The cluster or the store is unreachable for now: keep the device, try again shortly.
                _logger.LogWarning(ex, "Device worker {DeviceKey}: {Error}; retrying", view.DeviceKey, ex.Message);
                _stopping.Token.WaitHandle.WaitOne(_idlePoll * 4);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Asks the sweeps of the last answer of the active sweeps (one grain call per case while a sweep has work). When none has a case
    /// for this device the worker waits on the active sweeps with the version of that answer: a sweep started since answers at once.
    /// </summary>
    private CaseLease? TryLease(DeviceView view)
    {
        // A sweep's noise-gate re-measure (its child) belongs to it: the in-process silo of `sweep` runs it too.
        if (_scope.Sweeps is { } only)
        {
            foreach (var sweepId in only.SelectMany(s => new[] { s, NoiseGate.ChildSweepId(s) }))
            {
                var lease = Wait(_grains.GetGrain<ISweepGrain>(sweepId).LeaseAsync(view));
                if (lease is not null) return lease;
            }
            return null;
        }
        while (_work is { Sweeps: [var first, ..] } work)
        {
            var lease = Wait(_grains.GetGrain<ISweepGrain>(first).LeaseAsync(view));
            if (lease is not null) return lease;
            // No case for this device there now (finished, or all leased): not asked again until the active sweeps answer anew, which
            // they do at once when the version moved (a case of it went back to pending, or a sweep started).
            _work = work with { Sweeps = work.Sweeps[1..] };
        }
        return null;
    }

    private void RunLease(ICaseRunner runner, EnvironmentInfo environment, DeviceView view, CaseLease lease, long cycleStart)
    {
        var sweep = _grains.GetGrain<ISweepGrain>(lease.SweepId);
        string busy = $"{lease.SweepId}/{lease.Case.Id}";
        using var run = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        using var renewal = new CancellationTokenSource();
        bool leaseLost = false;
        var every = TimeSpan.FromSeconds(Math.Max(0.05, Math.Min(_heartbeat.TotalSeconds, lease.LeaseSeconds / 3)));
        var renewing = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            while (await timer.WaitForNextTickAsync(renewal.Token))
            {
                try
                {
                    // A call to a silo that just died may hang until the response timeout: never keep the finished case waiting on it.
                    if (!await sweep.RenewAsync(lease.LeaseId).WaitAsync(renewal.Token))
                    {
                        leaseLost = true;
                        await run.CancelAsync();
                        return;
                    }
                    // A registry that moved or restarted has forgotten this device: register again now, not after the case, or a
                    // resume meanwhile would take this live device's lease for one whose holder is gone.
                    var registry = _grains.GetGrain<IDeviceRegistryGrain>(0);
                    if (!await registry.HeartbeatAsync(view.DeviceKey, busy).WaitAsync(renewal.Token))
                        await registry.RegisterAsync(view with { BusyCase = busy }).WaitAsync(renewal.Token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed renewal (store or cluster briefly unreachable) is not fatal: the next tick tries again before expiry.
                    _logger.LogWarning(ex, "Device worker {DeviceKey}: renewing lease {LeaseId} failed", view.DeviceKey, lease.LeaseId);
                }
            }
        });
        CaseResult result;
        long engineStart = Stopwatch.GetTimestamp();
        TimeSpan engineTime;
        var startedUtc = DateTime.UtcNow;
        using var recording = _telemetry!.Start();
        try
        {
            using (_metrics.DeviceBusy(view.DeviceId))
                result = runner.Run(lease.Case, lease.Measurement, run.Token);
        }
        catch (OperationCanceledException)
        {
            StopRenewing(renewal, renewing);
            if (leaseLost)
                _logger.LogWarning("Device worker {DeviceKey}: lease {LeaseId} lost (expired, re-issued or cancelled); case {Case} dropped",
                    view.DeviceKey, lease.LeaseId, lease.Case);
            else
                TryWait(() => sweep.AbandonAsync(lease.LeaseId, "worker stopping"), "abandon");
            return;
        }
        catch (ArgumentException ex)
        {
            result = new CaseResult { Case = lease.Case, DeviceId = view.DeviceId, Error = ex.Message };
        }
        engineTime = Stopwatch.GetElapsedTime(engineStart);
        result = result with { StartedUtc = startedUtc, EndedUtc = DateTime.UtcNow, Telemetry = recording.Stop() };

        bool stored;
        try
        {
            // The lease stays renewed while the writer waits out a database outage, so a measured result is not re-run.
            stored = Wait(_results.Enqueue(lease.SweepId, result, environment, view.DeviceKey, lease.Attempt).WaitAsync(_stopping.Token));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StopRenewing(renewal, renewing);
            TryWait(() => sweep.AbandonAsync(lease.LeaseId, $"storing the result failed: {ex.Message}"), "abandon");
            throw;
        }
        StopRenewing(renewal, renewing);
        // The silo hosting the sweep grain may be dying: the call is rejected until the cluster re-activates the grain elsewhere, which
        // loads this lease from SQL. Given up on, the lease would expire and the measured case be run again.
        var outcome = new CaseOutcome(result.Error, result.Statistics?.Median, stored);
        Wait(ClusterRetry.CallAsync(() => sweep.CompleteAsync(lease.LeaseId, outcome),
            (ex, delay) => _logger.LogWarning("Device worker {DeviceKey}: completing lease {LeaseId} failed ({Error}); again in {Delay} ms",
                view.DeviceKey, lease.LeaseId, ex.Message, (int)delay.TotalMilliseconds),
            cancellationToken: _stopping.Token,
            // The sweep grain could not store the transition (its database is restarting): the lease stands, so the same completion
            // is accepted once the database is back, and the stored result is not measured again.
            alsoTransient: static ex => ex is StorageUnavailableException));
        _metrics.CaseOverhead((Stopwatch.GetElapsedTime(cycleStart) - engineTime).TotalSeconds, view.DeviceId);

        string kernel = lease.Case.Kernel.ToString().ToLowerInvariant();
        if (result.Error is null && result.Statistics is not null)
            _metrics.CaseCompleted(kernel, lease.Case.N, lease.Case.Causal, lease.Case.PassName, lease.Case.Dtype.Name(), view.DeviceId,
                result.Statistics.Median);
        else
            _metrics.CaseFailed(kernel, view.DeviceId);
    }

    private void Heartbeat(DeviceView view, string? busy)
    {
        var registry = _grains.GetGrain<IDeviceRegistryGrain>(0);
        // The registry lives in memory: after it moved or restarted it no longer knows us, so register again.
        if (!Wait(registry.HeartbeatAsync(view.DeviceKey, busy)))
            Wait(registry.RegisterAsync(view with { BusyCase = busy }));
    }

    private void StopRenewing(CancellationTokenSource renewal, Task renewing)
    {
        renewal.Cancel();
        try
        {
            renewing.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            // A failed renewal is not fatal: the grain decides by expiry, and the completion tells whether the lease still held.
            _logger.LogWarning(ex, "Device worker {DeviceKey}: lease renewal failed", _view?.DeviceKey);
        }
    }

    /// <summary>Best effort (the silo may be going or gone): an exception here must never escape this thread and end the process.</summary>
    private void TryWait(Func<Task> call, string what)
    {
        try
        {
            call().Wait(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Device worker {Device}: {What} failed", _deviceSpec, what);
        }
    }

    // This thread is the device's own: blocking it on a grain call stalls nothing else.
    private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

    private static void Wait(Task task) => task.GetAwaiter().GetResult();
}
