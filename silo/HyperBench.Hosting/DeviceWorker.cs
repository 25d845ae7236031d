using System.Collections.Concurrent;
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
    // A stopping worker still stores its last result, completes its lease and returns the one it leased ahead: for this long.
    private readonly CancellationTokenSource _grace = new();
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource<DeviceView> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    // The ids of the leases this device holds (taken ahead, running, or completing), sent with every call that may grant one: a grant
    // whose answer never arrived is then handed back by the sweep at once, not after its term (ISweepGrain.LeaseAsync).
    private readonly ConcurrentDictionary<string, byte> _holding = new(StringComparer.Ordinal);
    // The silo's one writer, shared by its devices: what they finish meanwhile is stored in one transaction.
    private readonly BufferedResultWriter _results;
    private DeviceView? _view;
    private IDeviceTelemetry? _telemetry;
    private readonly SimModel? _simModel;
    private ActiveSweeps? _work;
    private bool _died;
    private readonly int? _cpuThreads;

    public DeviceWorker(string deviceSpec, string siloAddress, IGrainFactory grains, BufferedResultWriter results, HyperBenchMetrics metrics,
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
        _results = results;
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
        _grace.CancelAfter(Grace);
        await _stopping.CancelAsync();
        await _exited.Task.WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _grace.Dispose();
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
        // Lease-ahead (docs/scheduling.md): the next case is leased while this one runs, and this one's result is stored and its lease
        // completed while the next one runs, so neither round trip sits between two cases.
        Task<HeldLease?>? next = null;
        Task? finishing = null;
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    long cycleStart = Stopwatch.GetTimestamp();
                    var held = TakeAhead(ref next);
                    if (held is null)
                    {
                        var lease = TryLease(view);
                        if (lease is null)
                        {
                            if (lastHeartbeat.Elapsed >= _heartbeat)
                            {
                                Heartbeat(view, null);
                                lastHeartbeat.Restart();
                            }
                            // No polling: the active sweeps answer when a sweep starts or a case goes back to pending, else at the next
                            // heartbeat. At most 20 s: under Orleans' response timeout (30 s by default), however long the heartbeat period.
                            var untilHeartbeat = TimeSpan.FromSeconds(Math.Min(20, (_heartbeat - lastHeartbeat.Elapsed).TotalSeconds));
                            _work = Wait(_grains.GetGrain<IActiveSweepsGrain>(0)
                                .WaitForWorkAsync(_work?.Version ?? -1, untilHeartbeat > TimeSpan.Zero ? untilHeartbeat : TimeSpan.Zero).WaitAsync(_stopping.Token));
                            continue;
                        }
                        held = Hold(lease, view, running: true);
                    }
                    else
                    {
                        held.StartRunning();
                    }
                    if (_faults.DiesHolding(held.Lease))
                    {
                        _logger.LogWarning("Device worker {DeviceKey} dies holding lease {LeaseId} (injected fault)", view.DeviceKey, held.Lease.LeaseId);
                        // Dead means silent: no renewal keeps the lease alive, so it expires (or its silo's death frees it).
                        held.StopRenewing();
                        held.Dispose();
                        _died = true;
                        return;
                    }
                    // One call as the case starts: a lease taken ahead is confirmed (it may have been cancelled or re-issued while it waited;
                    // its result is stored only once confirmed, and the case is stopped as soon as it is not), and the next case is leased.
                    bool ahead = _options.LeaseAhead && !_stopping.IsCancellationRequested;
                    if (ahead || held.TakenAhead)
                    {
                        var continuing = ContinueAsync(held, view, ahead);
                        held.Confirmed = continuing.ContinueWith(static t => !t.IsCompletedSuccessfully || t.Result.Confirmed, TaskScheduler.Default);
                        next = ahead ? continuing.ContinueWith(static t => t.GetAwaiter().GetResult().Next, TaskScheduler.Default) : null;
                    }
                    var finished = RunLease(runner, view, held);
                    // At most one case's result in flight: the previous one is stored and completed before this one is queued.
                    if (finishing is not null) Wait(finishing);
                    finishing = finished is null ? null : FinishAsync(environment, view, held, finished.Value.Result);
                    // This device's time outside the kernel in this cycle: with lease-ahead, mostly waiting for the previous case's completion.
                    if (finished is not null)
                        _metrics.CaseOverhead((Stopwatch.GetElapsedTime(cycleStart) - finished.Value.EngineTime).TotalSeconds, view.DeviceId);
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
        finally
        {
            if (!_died)
            {
                // The last result is stored and its lease completed (or, stopping, given up on as before); a case leased ahead and never
                // started goes back without costing an attempt.
                if (finishing is not null) Blocking.Wait(finishing, Grace);
                if (next is not null && Blocking.Wait(next, Grace) && next.IsCompletedSuccessfully && next.Result is { } ahead)
                {
                    ahead.StopRenewing();
                    ahead.Dispose();
                    TryWait(() => _grains.GetGrain<ISweepGrain>(ahead.Lease.SweepId).ReturnAsync(ahead.Lease.LeaseId), "return a lease taken ahead");
                }
            }
        }
    }

    /// <summary>The lease taken ahead, if there is one and it is still valid (not lost to expiry or a cancel while it waited).</summary>
    private HeldLease? TakeAhead(ref Task<HeldLease?>? next)
    {
        if (next is null) return null;
        var task = next;
        next = null;
        try
        {
            var held = Wait(task);
            if (held is null || !held.Lost) return held;
            held.StopRenewing();
            held.Dispose();
            _logger.LogWarning("Device worker {DeviceKey}: lease {LeaseId} taken ahead was lost before it started (expired or cancelled)",
                _view!.DeviceKey, held.Lease.LeaseId);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            // Not fatal: the worker asks for a lease the usual way. A lease granted but never answered expires and is retried.
            _logger.LogWarning(ex, "Device worker {DeviceKey}: leasing ahead failed ({Error})", _view!.DeviceKey, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// Confirms a lease taken ahead as its case starts (false, and the run cancelled, when the sweep no longer knows it) and leases the
    /// next case when <paramref name="leaseAhead"/>. A confirmation that cannot be had (cluster unreachable) counts as yes: the case
    /// goes on, and its completion tells whether the lease still held.
    /// </summary>
    private async Task<(bool Confirmed, HeldLease? Next)> ContinueAsync(HeldLease held, DeviceView view, bool leaseAhead)
    {
        ContinueAnswer answer;
        try
        {
            // Not given up on when the worker stops (only after the grace): a lease granted must be known, to be returned.
            answer = await _grains.GetGrain<ISweepGrain>(held.Lease.SweepId)
                .ContinueAsync(view, held.TakenAhead ? held.Lease.LeaseId : null, leaseAhead, Holding()).WaitAsync(_grace.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Device worker {DeviceKey}: confirming lease {LeaseId} and leasing ahead failed", view.DeviceKey, held.Lease.LeaseId);
            return (true, null);
        }
        catch (OperationCanceledException)
        {
            return (true, null); // stopped and out of grace
        }
        var next = answer.Next is null ? null : Hold(answer.Next, view, running: false, takenAhead: true);
        if (!answer.StillLeased)
        {
            held.Lost = true;
            await held.Run.CancelAsync();
        }
        return (answer.StillLeased, next);
    }

    /// <summary>Holds a lease: a timer renews it until the case's result is stored (and, while it runs, tells the registry the device is busy).</summary>
    private HeldLease Hold(CaseLease lease, DeviceView view, bool running, bool takenAhead = false)
    {
        var held = new HeldLease(lease, takenAhead, () => _holding.TryRemove(lease.LeaseId, out _), _stopping.Token);
        _holding[lease.LeaseId] = 0;
        if (running) held.StartRunning();
        var sweep = _grains.GetGrain<ISweepGrain>(lease.SweepId);
        string busy = $"{lease.SweepId}/{lease.Case.Id}";
        var every = TimeSpan.FromSeconds(Math.Max(0.05, Math.Min(_heartbeat.TotalSeconds, lease.LeaseSeconds / 3)));
        var token = held.Renewal.Token;
        held.Renewing = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(every);
            while (await timer.WaitForNextTickAsync(token))
            {
                try
                {
                    // A call to a silo that just died may hang until the response timeout: never keep the finished case waiting on it.
                    if (!await sweep.RenewAsync(lease.LeaseId).WaitAsync(token))
                    {
                        held.Lost = true;
                        await held.Run.CancelAsync();
                        return;
                    }
                    if (!held.Running) continue;
                    // A registry that moved or restarted has forgotten this device: register again now, not after the case, or a
                    // resume meanwhile would take this live device's lease for one whose holder is gone.
                    var registry = _grains.GetGrain<IDeviceRegistryGrain>(0);
                    if (!await registry.HeartbeatAsync(view.DeviceKey, busy).WaitAsync(token))
                        await registry.RegisterAsync(view with { BusyCase = busy }).WaitAsync(token);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One failed renewal (store or cluster briefly unreachable) is not fatal: the next tick tries again before expiry.
                    _logger.LogWarning(ex, "Device worker {DeviceKey}: renewing lease {LeaseId} failed", view.DeviceKey, lease.LeaseId);
                }
            }
        }, CancellationToken.None);
        return held;
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
                var lease = Wait(_grains.GetGrain<ISweepGrain>(sweepId).LeaseAsync(view, Holding()));
                if (lease is not null) return lease;
            }
            return null;
        }
        while (_work is { Sweeps: [var first, ..] } work)
        {
            var lease = Wait(_grains.GetGrain<ISweepGrain>(first).LeaseAsync(view, Holding()));
            if (lease is not null) return lease;
            // No case for this device there now (finished, or all leased): not asked again until the active sweeps answer anew, which
            // they do at once when the version moved (a case of it went back to pending, or a sweep started).
            _work = work with { Sweeps = work.Sweeps[1..] };
        }
        return null;
    }

    /// <summary>Runs the case on this thread; null when it was stopped (lease lost, or the worker stopping: then given back).</summary>
    private (CaseResult Result, TimeSpan EngineTime)? RunLease(ICaseRunner runner, DeviceView view, HeldLease held)
    {
        var lease = held.Lease;
        CaseResult result;
        long engineStart = Stopwatch.GetTimestamp();
        var startedUtc = DateTime.UtcNow;
        using var recording = _telemetry!.Start();
        try
        {
            using (_metrics.DeviceBusy(view.DeviceId))
                result = runner.Run(lease.Case, lease.Measurement, held.Run.Token);
        }
        catch (OperationCanceledException)
        {
            held.StopRenewing();
            if (held.Lost)
                _logger.LogWarning("Device worker {DeviceKey}: lease {LeaseId} lost (expired, re-issued or cancelled); case {Case} dropped",
                    view.DeviceKey, lease.LeaseId, lease.Case);
            else
                TryWait(() => _grains.GetGrain<ISweepGrain>(lease.SweepId).AbandonAsync(lease.LeaseId, "worker stopping"), "abandon");
            Blocking.Wait(held.Confirmed, TimeSpan.FromSeconds(10)); // it may still be cancelling the run
            held.Dispose();
            return null;
        }
        catch (ArgumentException ex)
        {
            result = new CaseResult { Case = lease.Case, DeviceId = view.DeviceId, Error = ex.Message };
        }
        catch (Exception ex)
        {
            // The backend failed (not the case's parameters): give the lease back now, as an attempt, rather than renewing it for ever.
            held.StopRenewing();
            held.Dispose();
            TryWait(() => _grains.GetGrain<ISweepGrain>(lease.SweepId).AbandonAsync(lease.LeaseId, $"the device failed: {ex.Message}"), "abandon");
            throw;
        }
        var engineTime = Stopwatch.GetElapsedTime(engineStart);
        return (result with { StartedUtc = startedUtc, EndedUtc = DateTime.UtcNow, Telemetry = recording.Stop() }, engineTime);
    }

    /// <summary>
    /// Stores the result (the lease stays renewed while the writer waits out a database outage, so a measured result is not re-run),
    /// then completes the lease. Runs while the device's next case runs; never throws.
    /// </summary>
    private async Task FinishAsync(EnvironmentInfo environment, DeviceView view, HeldLease held, CaseResult result)
    {
        var lease = held.Lease;
        var sweep = _grains.GetGrain<ISweepGrain>(lease.SweepId);
        try
        {
            if (!await held.Confirmed)
            {
                await held.StopRenewingAsync();
                _logger.LogWarning("Device worker {DeviceKey}: lease {LeaseId} taken ahead was no longer valid when its case ran; result of {Case} dropped",
                    view.DeviceKey, lease.LeaseId, lease.Case);
                return;
            }
            bool stored;
            try
            {
                stored = await _results.Enqueue(lease.SweepId, result, environment, view.DeviceKey, lease.Attempt).WaitAsync(_grace.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await held.StopRenewingAsync();
                _logger.LogWarning(ex, "Device worker {DeviceKey}: storing the result of lease {LeaseId} failed; giving it back", view.DeviceKey, lease.LeaseId);
                await TryAsync(() => sweep.AbandonAsync(lease.LeaseId, $"storing the result failed: {ex.Message}"), "abandon");
                return;
            }
            await held.StopRenewingAsync();
            // The silo hosting the sweep grain may be dying: the call is rejected until the cluster re-activates the grain elsewhere, which
            // loads this lease from SQL. Given up on, the lease would expire and the measured case be run again.
            var outcome = new CaseOutcome(result.Error, result.Statistics?.Median, stored);
            await ClusterRetry.CallAsync(() => sweep.CompleteAsync(lease.LeaseId, outcome),
                (ex, delay) => _logger.LogWarning("Device worker {DeviceKey}: completing lease {LeaseId} failed ({Error}); again in {Delay} ms",
                    view.DeviceKey, lease.LeaseId, ex.Message, (int)delay.TotalMilliseconds),
                cancellationToken: _grace.Token,
                // The sweep grain could not store the transition (its database is restarting): the lease stands, so the same completion
                // is accepted once the database is back, and the stored result is not measured again.
                alsoTransient: static ex => ex is StorageUnavailableException);
            string kernel = lease.Case.Kernel.ToString().ToLowerInvariant();
            if (result.Error is null && result.Statistics is not null)
                _metrics.CaseCompleted(kernel, lease.Case.N, lease.Case.Causal, lease.Case.PassName, lease.Case.Dtype.Name(), view.DeviceId,
                    result.Statistics.Median);
            else
                _metrics.CaseFailed(kernel, view.DeviceId);
        }
        catch (OperationCanceledException) when (_grace.IsCancellationRequested)
        {
            // Stopped and out of grace (the store or the cluster still unreachable): the lease expires and the case is retried.
            await held.StopRenewingAsync();
        }
        catch (Exception ex)
        {
            await held.StopRenewingAsync();
            _logger.LogWarning(ex, "Device worker {DeviceKey}: finishing lease {LeaseId} failed ({Error}); it expires and the case is retried",
                view.DeviceKey, lease.LeaseId, ex.Message);
        }
        finally
        {
            held.Dispose();
        }
    }

    private void Heartbeat(DeviceView view, string? busy)
    {
        var registry = _grains.GetGrain<IDeviceRegistryGrain>(0);
        // The registry lives in memory: after it moved or restarted it no longer knows us, so register again.
        if (!Wait(registry.HeartbeatAsync(view.DeviceKey, busy)))
            Wait(registry.RegisterAsync(view with { BusyCase = busy }));
    }

    /// <summary>Best effort (the silo may be going or gone): an exception here must never escape this thread and end the process.</summary>
    private void TryWait(Func<Task> call, string what) => Blocking.Wait(TryAsync(call, what));

    private async Task TryAsync(Func<Task> call, string what)
    {
        try
        {
            await call().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Device worker {Device}: {What} failed", _deviceSpec, what);
        }
    }

    /// <summary>The ids of the leases this device holds now, for a call that may grant one.</summary>
    private string[] Holding() => [.. _holding.Keys];

    /// <summary>
    /// A lease this device holds: renewed by a timer until its result is stored, <see cref="Run"/> cancelled when a renewal finds it lost.
    /// A lease taken ahead is held (renewed) before its case runs.
    /// </summary>
    private sealed class HeldLease(CaseLease lease, bool takenAhead, Action released, CancellationToken stopping) : IDisposable
    {
        public CaseLease Lease { get; } = lease;

        /// <summary>Leased while the device's previous case ran: confirmed with the sweep as its own case starts.</summary>
        public bool TakenAhead { get; } = takenAhead;

        public CancellationTokenSource Run { get; } = CancellationTokenSource.CreateLinkedTokenSource(stopping);

        public CancellationTokenSource Renewal { get; } = new();

        public Task Renewing { get; set; } = Task.CompletedTask;

        /// <summary>Whether the sweep still knows the lease: true at once for a lease taken when the case started.</summary>
        public Task<bool> Confirmed { get; set; } = Task.FromResult(true);

        private volatile bool _lost;
        private volatile bool _running;

        public bool Lost
        {
            get => _lost;
            set => _lost = value;
        }

        /// <summary>Its case runs now: renewals also tell the registry the device is busy with it.</summary>
        public bool Running => _running;

        public void StartRunning() => _running = true;

        public void StopRenewing() => Blocking.Wait(StopRenewingAsync());

        public async Task StopRenewingAsync()
        {
            if (!Renewal.IsCancellationRequested) await Renewal.CancelAsync();
            try
            {
                await Renewing;
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception)
            {
                // A failed renewal is not fatal: the grain decides by expiry, and the completion tells whether the lease still held.
            }
        }

        /// <summary>Done with (completed, given back, lost or given up on): no longer listed as held.</summary>
        public void Dispose()
        {
            released();
            Run.Dispose();
            Renewal.Dispose();
        }
    }

    // This thread is the device's own: blocking it on a grain call stalls nothing else (and it blocks without spinning).
    private static T Wait<T>(Task<T> task) => Blocking.Wait(task);

    private static void Wait(Task task) => Blocking.Wait(task);
}
