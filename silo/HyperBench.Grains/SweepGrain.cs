using System.Diagnostics;
using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace HyperBench.Grains;

/// <summary>
/// One sweep: hands its cases to devices that ask, one lease at a time, and writes every transition to SQL before answering, so a
/// restarted cluster resumes where it stopped. It never runs a kernel and never waits for a device: workers pull. The workers' calls
/// interleave: each changes memory in one synchronous step and then waits for its write, and the writes of calls that arrive together
/// share one transaction (<see cref="CaseWriteBuffer"/>, docs/scheduling.md). So no code here may keep a decision across an await:
/// every transition is decided and made in the same turn.
/// </summary>
public sealed class SweepGrain(
    ISweepStore store,
    IOptions<SweepSchedulingOptions> options,
    HyperBenchMetrics metrics,
    IClusterMembershipService membership,
    IOptions<ClusterOptions> cluster,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain
{
    private const double GiB = 1L << 30;

    private readonly List<SweepEntry> _cases = [];
    // The first _storedCases entries of _cases have their rows in SQL; only they may change state (a large sweep starts before the rest
    // are stored, StartCoreAsync). The rest are pending and are stored by _storingRest.
    private int _storedCases;
    private Task _storingRest = Task.CompletedTask;
    // Cases per status, kept in step with every transition and rollback: the workers' calls and status polls read them, and a scan of
    // a fleet-sized sweep (thousands of cases) per call was the sweep grain's largest cost.
    private readonly int[] _counts = new int[Enum.GetValues<CaseStatus>().Length];
    private readonly Dictionary<string, SweepEntry> _leases = new(StringComparer.Ordinal);
    // Leases granted ahead (ContinueAsync) whose case has not started. Pruned when read: an id no longer in _leases ended meanwhile.
    private readonly HashSet<string> _ahead = new(StringComparer.Ordinal);
    // Leases loaded from SQL, issued before this activation. A resume reports only these as still held: the cluster's devices may
    // lease cases (they pull from the active sweeps as soon as their silo is up) before the resume call arrives.
    private readonly HashSet<string> _inherited = new(StringComparer.Ordinal);
    private SweepRow? _sweep;
    private SweepPlan? _plan;
    private IGrainTimer? _timer;
    private bool _countsDirty;
    // No case before this index is pending (see LeaseCoreAsync); back to 0 whenever a case may have become pending again.
    private int _pendingFrom;
    private Task _sweepWrite = Task.CompletedTask;
    private string? _childSweepId;
    private CaseWriteBuffer? _writes;
    private Task? _finishing;
    private bool _ending;
    private bool _wakeWorkers;
    private bool _cancelling;
    // Gang leasing: devices that asked recently and got nothing (free), and leases reserved for a device that has not collected them.
    private readonly Dictionary<string, (DeviceView Device, DateTime AskedUtc)> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SweepEntry Entry, DateTime ReservedUtc)> _reserved = new(StringComparer.Ordinal);

    /// <summary>How recently a device must have asked to count as free for a gang: several idle polls (250 ms by default).</summary>
    private static readonly TimeSpan GangWindow = TimeSpan.FromSeconds(2);

    private string SweepId => this.GetPrimaryKeyString();

    // Another service's sweep (a cluster sharing the database) is shown as stored but never run, resumed or leased here.
    private bool Running => _sweep?.Status == SweepStatus.Running && !Foreign;

    private bool Foreign => _sweep is not null && _sweep.ServiceId != cluster.Value.ServiceId;

    private CaseWriteBuffer Writes => _writes ??= new CaseWriteBuffer(rows => store.UpdateCasesAsync(rows), RebuildLeases);

    /// <summary>After a failed write was undone: the live leases are those of the rows (memory is back at what SQL holds).</summary>
    private void RebuildLeases()
    {
        _leases.Clear();
        Recount();
        foreach (var entry in _cases)
            if (entry.Row is { Status: CaseStatus.Leased, LeaseId: { } id }) _leases[id] = entry;
    }

    private void Recount()
    {
        _pendingFrom = 0;
        Array.Clear(_counts);
        foreach (var entry in _cases) _counts[(int)entry.Row.Status]++;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _sweep = await store.GetSweepAsync(SweepId, cancellationToken);
        if (_sweep is null) return;
        _plan = PlanJson.Deserialize(_sweep.PlanJson);
        if (_plan.CvLimit is not null && _sweep.ParentSweepId is null && _sweep.Status == SweepStatus.Completed)
            _childSweepId = (await store.GetChildSweepAsync(SweepId, cancellationToken))?.SweepId;
        var rows = await store.GetCasesAsync(SweepId, cancellationToken);
        if (rows.Count < _sweep.CaseCount && Running) rows = await StoreMissingCasesAsync(rows, cancellationToken);
        foreach (var row in rows)
        {
            var entry = new SweepEntry(row, CaseJson.Deserialize(row.CaseJson));
            _cases.Add(entry);
            // A lease that outlived this activation stays valid: its worker may still be running and renewing it.
            if (row.Status == CaseStatus.Leased && row.LeaseId is not null)
            {
                _leases[row.LeaseId] = entry;
                _inherited.Add(row.LeaseId);
            }
        }
        _storedCases = _cases.Count;
        Recount();
        if (Running)
        {
            StartTimer();
            await GrainFactory.GetGrain<IActiveSweepsGrain>(0).AddAsync(SweepId);
            // Re-activated because its silo died: that silo's leases go back now, not at the first tick (a check period later).
            await ReleaseOrphanedLeasesAsync(membershipOnly: true);
            logger.LogInformation("Sweep {SweepId} loaded: {Total} cases, {Pending} pending, {Leased} leased", SweepId, _cases.Count,
                Count(CaseStatus.Pending), Count(CaseStatus.Leased));
        }
    }

    /// <summary>
    /// A sweep whose silo stopped while it stored its cases (<see cref="StartCoreAsync"/>) has only its first ones in SQL: the rest are
    /// expanded from its stored plan, as at its start, and stored now, before this activation serves any call.
    /// </summary>
    private async Task<IReadOnlyList<SweepCaseRow>> StoreMissingCasesAsync(IReadOnlyList<SweepCaseRow> stored, CancellationToken cancellationToken)
    {
        var have = stored.Select(r => r.CaseId).ToHashSet(StringComparer.Ordinal);
        var now = DateTime.UtcNow;
        var missing = _plan!.ExpandCases().Select((c, i) => SweepRows.Case(SweepId, c, i, now)).Where(r => !have.Contains(r.CaseId)).ToList();
        await store.AddCasesAsync(SweepId, missing, cancellationToken);
        logger.LogWarning("Sweep {SweepId}: {Missing} of its {Cases} cases were not stored (its silo stopped while storing them); stored now as pending",
            SweepId, missing.Count, _sweep!.CaseCount);
        return [.. stored.Concat(missing).OrderBy(r => r.Ordinal)];
    }

    /// <summary>
    /// Builds the JSON metadata of plans and cases (reflection, on first use: 0.1-0.3 s of one core on the 2-core build VM), which the
    /// first sweep a silo hosts would otherwise wait out between its creation and its first case. A silo runs it once as it starts.
    /// </summary>
    public static void WarmUp()
    {
        var plan = new SweepPlan();
        var first = plan.ExpandCases()[0];
        PlanJson.Deserialize(PlanJson.Serialize(plan));
        PlanJson.SerializeMeasurement(plan);
        CaseJson.Deserialize(CaseJson.Serialize(first));
    }

    public Task<SweepStatusView> StartAsync(SweepPlan plan) => StartCoreAsync(plan, parentSweepId: null);

    public Task<SweepStatusView> StartChildAsync(SweepPlan plan, string parentSweepId) => StartCoreAsync(plan, parentSweepId);

    private async Task<SweepStatusView> StartCoreAsync(SweepPlan plan, string? parentSweepId)
    {
        if (_sweep is not null)
        {
            if (Foreign) throw ForeignSweep();
            // A retried submission is harmless; the same id for another plan is a mistake the caller must hear about.
            if (PlanJson.Serialize(plan) != _sweep.PlanJson || _sweep.ParentSweepId != parentSweepId)
                throw new InvalidOperationException($"sweep '{SweepId}' already exists with a different plan; choose another sweep id.");
            return View();
        }
        plan.Validate();
        var cases = plan.ExpandCases();
        var now = DateTime.UtcNow;
        var sweep = SweepRows.Sweep(SweepId, plan, cases.Count, now, cluster.Value.ServiceId, parentSweepId);
        // A large sweep starts with its first cases stored and stores the rest while they run (docs/scheduling.md): thousands of rows take
        // this grain 40-110 ms to serialize and a PostgreSQL server 0.1-0.25 s to insert here, which every device would otherwise wait out.
        int first = Math.Clamp(options.Value.CasesStoredAtStart, 1, Math.Max(1, cases.Count));
        var rows = cases.Select((c, i) => SweepRows.Case(SweepId, c, i, now, json: i < first)).ToList();
        long creating = Stopwatch.GetTimestamp();
        await store.CreateSweepAsync(sweep, rows.Count > first ? rows[..first] : rows);
        _sweep = sweep;
        _plan = plan;
        for (int i = 0; i < rows.Count; i++) _cases.Add(new SweepEntry(rows[i], cases[i]));
        _storedCases = Math.Min(first, rows.Count);
        Recount();
        logger.LogInformation("Sweep {SweepId} started: {Cases} cases ({Plan}), {Stored} stored in {Milliseconds:F0} ms", SweepId, cases.Count, plan,
            _storedCases, Stopwatch.GetElapsedTime(creating).TotalMilliseconds);
        StartTimer();
        await GrainFactory.GetGrain<IActiveSweepsGrain>(0).AddAsync(SweepId);
        if (_storedCases < _cases.Count) _storingRest = StoreRestAsync();
        await FinishIfDoneAsync();
        return View();
    }

    /// <summary>
    /// Stores the cases not yet stored, in order and in chunks of <see cref="SweepSchedulingOptions.CasesStoredAtStart"/> (one
    /// transaction each; a case already there is left as it is), and lets devices lease each chunk as soon as it is in: in one
    /// transaction the rest of a 5,120-case sweep took 0.3-0.6 s under its start's load, and the devices that asked for their third case
    /// before it landed found none stored and paid a lease round trip after their second (up to 45 ms). A failure is logged and the next
    /// tick tries again from there; whatever needs every row (a cancel) awaits <see cref="AllStoredAsync"/>.
    /// </summary>
    private async Task StoreRestAsync()
    {
        int chunk = Math.Max(1, options.Value.CasesStoredAtStart);
        long storing = Stopwatch.GetTimestamp();
        int first = _storedCases;
        while (_storedCases < _cases.Count)
        {
            int from = _storedCases;
            try
            {
                // Off this grain's thread: serializing and sending the rows would hold up the devices' lease calls meanwhile. The rows not
                // stored yet are pending and never change until stored, so reading them there is safe; their JSON is kept on this thread.
                var rest = _cases.GetRange(from, Math.Min(chunk, _cases.Count - from));
                string sweepId = SweepId;
                var rows = await Task.Run(async () =>
                {
                    var built = rest.Select(e =>
                    {
                        var row = e.Copy();
                        if (row.CaseJson.Length == 0) row.CaseJson = CaseJson.Serialize(e.Case);
                        return row;
                    }).ToList();
                    await store.AddCasesAsync(sweepId, built);
                    return built;
                });
                for (int i = 0; i < rest.Count; i++) rest[i].Row.CaseJson = rows[i].CaseJson;
                _storedCases = from + rest.Count;
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Sweep {SweepId}: storing its cases {From}-{To} failed ({Error}); trying again at the next check", SweepId, from,
                    _cases.Count - 1, ex.Message);
                return;
            }
            // Devices that found every stored case leased are waiting on the active sweeps: tell them there is more.
            _wakeWorkers = true;
            await WakeWorkersAsync();
        }
        logger.LogInformation("Sweep {SweepId}: its other {Cases} cases stored in {Milliseconds:F0} ms", SweepId, _cases.Count - first,
            Stopwatch.GetElapsedTime(storing).TotalMilliseconds);
    }

    /// <summary>Completes once every case has its row in SQL (storing the rest now if the background store failed); throws if it cannot.</summary>
    private async Task AllStoredAsync()
    {
        await _storingRest;
        if (_storedCases < _cases.Count) await (_storingRest = StoreRestAsync());
        if (_storedCases < _cases.Count)
            throw new StorageUnavailableException($"sweep '{SweepId}': {_cases.Count - _storedCases} of its cases are not stored yet; try again.");
    }

    public async Task<SweepStatusView> ResumeAsync()
    {
        if (_sweep is null) throw new InvalidOperationException($"sweep '{SweepId}' does not exist.");
        if (Foreign) throw ForeignSweep();
        if (!Running) return View();
        await ExpireLeasesAsync(DateTime.UtcNow);
        await ReleaseOrphanedLeasesAsync(membershipOnly: false);
        await WakeWorkersAsync();
        StartTimer();
        await GrainFactory.GetGrain<IActiveSweepsGrain>(0).AddAsync(SweepId);
        await FinishIfDoneAsync();
        int stillLeased = _cases.Count(e => e.Row is { Status: CaseStatus.Leased, LeaseId: { } id } && _inherited.Contains(id));
        return View() with { StillLeased = stillLeased };
    }

    public async Task<SweepStatusView> CancelAsync()
    {
        if (Foreign) throw ForeignSweep();
        if (!Running) return View();
        // Every case must have its row, to be stored cancelled.
        await AllStoredAsync();
        if (!Running) return View();
        // A completion interleaved with the cancel must not end the sweep as completed once no case is live.
        _cancelling = true;
        try
        {
            var writes = _cases.Where(e => IsLive(e.Row.Status)).ToList().Select(e => MoveAsync(e, CaseStatus.Cancelled, e.Row.Error)).ToList();
            _leases.Clear();
            await Task.WhenAll(writes);
            if (_finishing is { } finishing) await finishing;
            if (!Running) return View();
            await EndAsync(SweepStatus.Cancelled);
        }
        finally
        {
            _cancelling = false;
        }
        return View();
    }

    private InvalidOperationException ForeignSweep() => new(
        $"sweep '{SweepId}' belongs to service '{_sweep!.ServiceId}', not to this cluster's '{cluster.Value.ServiceId}' (HyperBench:ServiceId); " +
        "only a cluster of that service runs, resumes or cancels it.");

    public Task<SweepStatusView> GetStatusAsync() => Task.FromResult(View());

    public Task<CaseLease?> LeaseAsync(DeviceView device, string[]? holding = null) => LeaseCoreAsync(device, holding, ahead: false);

    private async Task<CaseLease?> LeaseCoreAsync(DeviceView device, string[]? holding, bool ahead)
    {
        if (!Running || _plan is null || !device.Matches(_plan)) return null;
        if (_plan.Gang is > 1) return await LeaseGangAsync(device);
        await ReturnUndeliveredAsync(device, holding);
        SweepEntry? entry = null;
        // Cases are leased in order, so the cases before the first pending one are all leased or final: a lease looks from there, not
        // through the thousands of cases a fleet has already run.
        while (_pendingFrom < _storedCases && _cases[_pendingFrom].Row.Status != CaseStatus.Pending) _pendingFrom++;
        for (int i = _pendingFrom; i < _storedCases && entry is null; i++)
            if (_cases[i] is { Row.Status: CaseStatus.Pending } e && e.Bytes <= device.MemoryBytes) entry = e;
        if (entry is null) return null;

        var stored = MoveAsync(entry, CaseStatus.Leased, entry.Row.Error, leaseTo: device);
        var lease = LeaseOf(entry);
        _leases[lease.LeaseId] = entry;
        if (ahead) _ahead.Add(lease.LeaseId);
        await stored;
        return lease;
    }

    public async Task<ContinueAnswer> ContinueAsync(DeviceView device, string? startingLeaseId, bool leaseAhead, string[]? holding = null)
    {
        await ReturnUndeliveredAsync(device, holding);
        bool stillLeased = startingLeaseId is null || (Running && _leases.ContainsKey(startingLeaseId));
        if (startingLeaseId is not null) _ahead.Remove(startingLeaseId);
        if (!stillLeased || !leaseAhead || !Running || _plan is null || _plan.Gang is > 1) return new ContinueAnswer(stillLeased, null);
        // A lease ahead only while every busy device without one could still get one: near a sweep's end a case taken ahead would wait
        // behind this device's current case while another device finds nothing and idles. (Only counted once fewer cases wait than are
        // leased: until then there are plenty.)
        int pending = Count(CaseStatus.Pending);
        if (pending == 0 || (pending <= _leases.Count && pending < BusyDevicesWithoutAhead())) return new ContinueAnswer(true, null);
        return new ContinueAnswer(true, await LeaseCoreAsync(device, holding: null, ahead: true));
    }

    /// <summary>Devices holding a lease of this sweep (running, or completing) but none taken ahead; the asking device is one of them.</summary>
    private int BusyDevicesWithoutAhead()
    {
        _ahead.RemoveWhere(id => !_leases.ContainsKey(id));
        var busy = new HashSet<string>(StringComparer.Ordinal);
        var withAhead = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, entry) in _leases)
        {
            if (entry.Row.DeviceKey is not { } key) continue;
            busy.Add(key);
            if (_ahead.Contains(id)) withAhead.Add(key);
        }
        return busy.Count - withAhead.Count;
    }

    /// <summary>
    /// A lease granted to <paramref name="device"/> that it does not list in <paramref name="holding"/> never reached it: the answer that
    /// carried it was lost (the silo hosting this grain died after the grant was stored, or the call timed out), and no one would run
    /// or renew it until its term ran out (60 s by default). It goes back to pending now, and its attempt does not count: it never
    /// started. A device's grant-making calls are made one at a time, so no answer to it is still on its way. Not for gang plans,
    /// whose reserved leases wait for devices that have not asked yet.
    /// </summary>
    private async Task ReturnUndeliveredAsync(DeviceView device, string[]? holding)
    {
        if (holding is null || _plan is null || _plan.Gang is > 1 || _leases.Count == 0) return;
        // One pass without allocating (every lease call of every device makes it): almost always nothing is found.
        List<KeyValuePair<string, SweepEntry>>? undelivered = null;
        foreach (var lease in _leases)
            if (string.Equals(lease.Value.Row.DeviceKey, device.DeviceKey, StringComparison.Ordinal) && Array.IndexOf(holding, lease.Key) < 0)
                (undelivered ??= []).Add(lease);
        if (undelivered is null) return;
        var writes = new List<Task>();
        foreach (var (leaseId, entry) in undelivered)
        {
            logger.LogWarning("Sweep {SweepId} case {CaseId}: lease {LeaseId} was granted to {DeviceKey}, which never received it; back to pending",
                SweepId, entry.Row.CaseId, leaseId, device.DeviceKey);
            writes.Add(GiveBackUnstarted(leaseId, entry));
        }
        await Task.WhenAll(writes);
        await WakeWorkersAsync();
    }

    public async Task<bool> ReturnAsync(string leaseId)
    {
        if (!_leases.TryGetValue(leaseId, out var entry)) return false;
        await GiveBackUnstarted(leaseId, entry);
        await WakeWorkersAsync();
        return true;
    }

    /// <summary>A lease whose case never started goes back to pending, its attempt not counted; the task completes when it is stored.</summary>
    private Task GiveBackUnstarted(string leaseId, SweepEntry entry)
    {
        _leases.Remove(leaseId);
        _wakeWorkers = true;
        return MoveAsync(entry, CaseStatus.Pending, entry.Row.Error, returned: true);
    }

    private CaseLease LeaseOf(SweepEntry entry)
    {
        var row = entry.Row;
        return new CaseLease(row.LeaseId!, SweepId, entry.Case, row.Ordinal, row.Attempts, row.LeaseExpiresUtc!.Value, _plan!.LeaseSeconds,
            _plan.Measurement);
    }

    /// <summary>
    /// Gang leasing (plan.Gang = k, docs/scaling.md): a free device that asks is remembered; once k matching devices have asked within
    /// <see cref="GangWindow"/> (idle workers ask every idle poll), k pending cases are leased in this one turn, one to each of them
    /// (the asking device's is returned, the others are reserved for their next ask, a poll period later), so a layer's shards start
    /// together and no shard can finish before every shard of its gang is leased. Fewer than k pending cases (a sweep's last gang, a
    /// retried shard) form a smaller gang. A reserved lease not collected within the reservation timeout (10 s) goes back to pending,
    /// unstarted (<see cref="ReturnUncollectedAsync"/>).
    /// </summary>
    private async Task<CaseLease?> LeaseGangAsync(DeviceView device)
    {
        var now = DateTime.UtcNow;
        if (_reserved.Remove(device.DeviceKey, out var reservation) && StillReservedFor(reservation.Entry, device.DeviceKey, out _))
            return LeaseOf(reservation.Entry);
        foreach (var stale in _waiting.Where(w => now - w.Value.AskedUtc > GangWindow).Select(w => w.Key).ToList()) _waiting.Remove(stale);
        // Idle workers wait instead of polling (docs/scheduling.md): a device newly free wakes the others, so the free ones ask again
        // within the window; a device already waiting does not (no wake-up storm).
        bool newlyFree = !_waiting.ContainsKey(device.DeviceKey);
        _waiting[device.DeviceKey] = (device, now);
        var pending = _cases.Take(_storedCases).Where(e => e.Row.Status == CaseStatus.Pending).ToList();
        int size = Math.Min(_plan!.Gang!.Value, Count(CaseStatus.Pending));
        // A smaller gang only for the sweep's last cases, not while the rest are still being stored.
        if (size == 0 || pending.Count < size) return null;
        var holding = _cases.Where(e => e.Row.Status == CaseStatus.Leased && e.Row.DeviceKey is not null).Select(e => e.Row.DeviceKey!)
            .ToHashSet(StringComparer.Ordinal);
        var free = _waiting.Values.Select(w => w.Device)
            .Where(d => d.DeviceKey != device.DeviceKey && !holding.Contains(d.DeviceKey) && !_reserved.ContainsKey(d.DeviceKey))
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal).Prepend(device).Take(size).ToList();
        if (free.Count < size)
        {
            if (newlyFree)
            {
                _wakeWorkers = true;
                await WakeWorkersAsync();
            }
            return null;
        }
        var shards = pending.Take(size).ToList();
        // Each shard on a device that can hold it, else the gang waits (a case no device can hold is skipped by the timer).
        if (shards.Zip(free).Any(p => p.First.Bytes > p.Second.MemoryBytes)) return null;
        SweepEntry? mine = null;
        // Every shard is leased in this one turn, then the writes are awaited together (no decision across an await).
        var writes = new List<Task>();
        foreach (var (entry, to) in shards.Zip(free))
        {
            writes.Add(MoveAsync(entry, CaseStatus.Leased, entry.Row.Error, leaseTo: to));
            _leases[entry.Row.LeaseId!] = entry;
            _waiting.Remove(to.DeviceKey);
            if (to.DeviceKey == device.DeviceKey) mine = entry;
            else _reserved[to.DeviceKey] = (entry, now);
        }
        await Task.WhenAll(writes);
        // The other shards' devices are waiting on the active sweeps: wake them to collect their leases now.
        _wakeWorkers = true;
        await WakeWorkersAsync();
        logger.LogInformation("Sweep {SweepId}: gang of {Size} leased to {Devices}", SweepId, size, string.Join(", ", free.Select(d => d.DeviceKey)));
        return LeaseOf(mine!);
    }

    /// <summary>
    /// A gang's shard reserved for a device that has not collected it within <see cref="SweepSchedulingOptions.GangReservationTimeout"/>
    /// (its worker or its silo is gone) goes back to pending now, unstarted (its attempt not counted), instead of after its lease term;
    /// the next free devices lease it.
    /// </summary>
    private async Task ReturnUncollectedAsync(DateTime now)
    {
        if (_reserved.Count == 0) return;
        var writes = new List<Task>();
        foreach (var (deviceKey, (entry, reservedUtc)) in _reserved.Where(r => now - r.Value.ReservedUtc > options.Value.GangReservationTimeout).ToList())
        {
            _reserved.Remove(deviceKey);
            if (!StillReservedFor(entry, deviceKey, out string leaseId)) continue;
            logger.LogWarning("Sweep {SweepId} case {CaseId}: the gang shard reserved for {DeviceKey} at {Reserved:O} was never collected; back to pending",
                SweepId, entry.Row.CaseId, deviceKey, reservedUtc);
            writes.Add(GiveBackUnstarted(leaseId, entry));
        }
        await Task.WhenAll(writes);
    }

    /// <summary>Whether a reserved shard still holds its live lease for that device (not expired, cancelled or re-leased meanwhile).</summary>
    private bool StillReservedFor(SweepEntry entry, string deviceKey, out string leaseId)
    {
        leaseId = entry.Row.LeaseId ?? "";
        return entry.Row.Status == CaseStatus.Leased && entry.Row.DeviceKey == deviceKey && _leases.ContainsKey(leaseId);
    }

    public async Task<bool> RenewAsync(string leaseId)
    {
        if (!Running || _plan is null || !_leases.TryGetValue(leaseId, out var entry)) return false;
        var now = DateTime.UtcNow;
        var before = entry.Snapshot();
        entry.Row.LeaseExpiresUtc = now.AddSeconds(_plan.LeaseSeconds);
        entry.Row.UpdatedUtc = now;
        // Persisted so that a sweep reactivated elsewhere does not take a live lease for a stale one.
        await Writes.Enqueue(entry, before);
        return true;
    }

    public async Task<bool> CompleteAsync(string leaseId, CaseOutcome outcome)
    {
        if (!_leases.Remove(leaseId, out var entry))
        {
            logger.LogInformation("Sweep {SweepId}: completion of unknown lease {LeaseId} ignored (expired or cancelled)", SweepId, leaseId);
            return false;
        }
        try
        {
            await MoveAsync(entry, outcome.Failed ? CaseStatus.Failed : CaseStatus.Done, outcome.Error);
        }
        catch
        {
            _leases[leaseId] = entry; // not stored: the lease stands, so the worker's retried completion is still accepted
            throw;
        }
        await FinishIfDoneAsync();
        return true;
    }

    public async Task<bool> AbandonAsync(string leaseId, string reason)
    {
        if (!_leases.Remove(leaseId, out var entry)) return false;
        await RetryOrFailAsync(entry, $"lease abandoned by {entry.Row.DeviceKey}: {reason}");
        await WakeWorkersAsync();
        await FinishIfDoneAsync();
        return true;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.SweepPending(SweepId, 0);
        if (_countsDirty && _sweep is not null) await WriteSweepAsync();
    }

    private void StartTimer()
    {
        if (_timer is not null || _plan is null) return;
        var period = TimeSpan.FromSeconds(Math.Clamp(_plan.LeaseSeconds / 4, 0.1, options.Value.MaxCheckPeriod.TotalSeconds));
        _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        metrics.SweepPending(SweepId, Running ? Count(CaseStatus.Pending) : 0);
        if (!Running) return;
        await ExpireLeasesAsync(DateTime.UtcNow);
        await ReleaseOrphanedLeasesAsync(membershipOnly: true);
        await SkipUnplaceableAsync();
        await ReturnUncollectedAsync(DateTime.UtcNow);
        if (_storedCases < _cases.Count && _storingRest.IsCompleted) _storingRest = StoreRestAsync();
        await WakeWorkersAsync();
        if (_countsDirty) await WriteSweepAsync();
        await FinishIfDoneAsync();
    }

    private async Task ExpireLeasesAsync(DateTime now)
    {
        var writes = new List<Task>();
        foreach (var entry in _cases.Where(e => e.Row.Status == CaseStatus.Leased && (e.Row.LeaseExpiresUtc is null || e.Row.LeaseExpiresUtc < now)).ToList())
        {
            if (entry.Row.LeaseId is not null) _leases.Remove(entry.Row.LeaseId);
            writes.Add(RetryOrFailAsync(entry, string.Create(CultureInfo.InvariantCulture,
                $"lease expired on {entry.Row.DeviceKey} (no heartbeat for {_plan!.LeaseSeconds:0.###} s)")));
        }
        await Task.WhenAll(writes);
    }

    /// <summary>
    /// A lease whose holder is gone goes back to pending now rather than after the lease timeout (60 s by default). The holder's silo
    /// is the endpoint in its device key ("{silo endpoint}/{device id}"): gone when cluster membership has declared that silo dead
    /// (checked on every tick, so a killed silo's leases return within a check period of its death declaration), or, on resume,
    /// when neither membership nor the device registry knows it (a killed in-process silo: its port is gone for good). A silo that
    /// membership has not declared dead keeps its leases: its worker may still be running the case and will renew it.
    /// </summary>
    private async Task ReleaseOrphanedLeasesAsync(bool membershipOnly)
    {
        if (Count(CaseStatus.Leased) == 0) return;
        var members = membership.CurrentSnapshot.Members.Values;
        var alive = members.Where(m => m.Status != SiloStatus.Dead).Select(m => m.SiloAddress.Endpoint.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var dead = members.Where(m => m.Status == SiloStatus.Dead).Select(m => m.SiloAddress.Endpoint.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        HashSet<string>? registered = null;
        // The registry is asked before any decision: the leases are listed after the call, so none is decided on a stale state.
        if (!membershipOnly && _cases.Any(e => e.Row.Status == CaseStatus.Leased && SiloOf(e.Row.DeviceKey) is var silo && (silo is null || !alive.Contains(silo))))
            registered = (await GrainFactory.GetGrain<IDeviceRegistryGrain>(0).ListAsync()).Where(d => !d.Gone).Select(d => d.DeviceKey)
                .ToHashSet(StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var entry in _cases.Where(e => e.Row.Status == CaseStatus.Leased).ToList())
        {
            string? silo = SiloOf(entry.Row.DeviceKey);
            if (silo is not null && alive.Contains(silo)) continue;
            string reason;
            if (silo is not null && dead.Contains(silo))
            {
                reason = $"lease held by {entry.Row.DeviceKey}, whose silo the cluster declared dead";
            }
            else
            {
                // Unknown to membership: another process's silo, or one not yet in this silo's view. Only the resume, which asks the
                // device registry too, takes it back; a tick leaves it to the lease timeout.
                if (membershipOnly || registered is null) continue;
                if (entry.Row.DeviceKey is not null && registered.Contains(entry.Row.DeviceKey)) continue;
                reason = $"lease held by {entry.Row.DeviceKey}, which is no longer in the cluster";
            }
            if (entry.Row.LeaseId is not null) _leases.Remove(entry.Row.LeaseId);
            writes.Add(RetryOrFailAsync(entry, reason));
        }
        await Task.WhenAll(writes);
    }

    private static string? SiloOf(string? deviceKey) => DeviceSpec.TryParse(deviceKey, out var device, out _) ? device.Silo : null;

    /// <summary>
    /// A pending case that no live device can hold would wait forever: skip it, storing the reason (the sizes) with the case. Nothing ran
    /// it, so it has no result row; `kernels bench` reports a case it does not run the same way.
    /// </summary>
    private async Task SkipUnplaceableAsync()
    {
        if (_plan is null || Count(CaseStatus.Pending) == 0) return;
        var devices = (await GrainFactory.GetGrain<IDeviceRegistryGrain>(0).ListAsync()).Where(d => d.Matches(_plan)).ToList();
        // With no device at all the sweep waits: one may join.
        if (devices.Count == 0) return;
        var largest = devices.MaxBy(d => d.MemoryBytes)!;
        var writes = new List<Task>();
        foreach (var entry in _cases.Take(_storedCases).Where(e => e.Row.Status == CaseStatus.Pending && e.Bytes > largest.MemoryBytes).ToList())
        {
            string reason = string.Create(CultureInfo.InvariantCulture,
                $"no device can hold it: needs {entry.Bytes / GiB:F2} GiB, largest has {largest.MemoryBytes / GiB:F2} GiB ({largest.DeviceKey})");
            logger.LogWarning("Sweep {SweepId} case {CaseId} ({Case}) skipped: {Reason}", SweepId, entry.Row.CaseId, entry.Case, reason);
            writes.Add(MoveAsync(entry, CaseStatus.Skipped, entry.Row.Error, skipReason: reason));
            metrics.CaseSkipped(KernelName(entry));
        }
        await Task.WhenAll(writes);
    }

    /// <summary>Makes the transition now; the task completes when it is stored.</summary>
    private Task RetryOrFailAsync(SweepEntry entry, string reason)
    {
        var row = entry.Row;
        if (row.Attempts >= _plan!.MaxAttempts) return FailAsync(entry, $"{reason}; gave up after {row.Attempts} attempt(s)");
        logger.LogWarning("Sweep {SweepId} case {CaseId} goes back to pending (attempt {Attempt} of {MaxAttempts}): {Reason}", SweepId, row.CaseId,
            row.Attempts, _plan.MaxAttempts, reason);
        metrics.CaseRetried();
        _wakeWorkers = true;
        return MoveAsync(entry, CaseStatus.Pending, reason);
    }

    /// <summary>Cases went back to pending: idle workers wait on the active sweeps for work, so tell them (docs/scheduling.md).</summary>
    private async Task WakeWorkersAsync()
    {
        if (!_wakeWorkers || !Running) return;
        _wakeWorkers = false;
        await GrainFactory.GetGrain<IActiveSweepsGrain>(0).SignalAsync(SweepId);
    }

    /// <summary>
    /// Stores the case failed with the reason on its row and moves on. No device finished it, so it has no result row: the reason lives
    /// with the case, and the metric names the device that held it last.
    /// </summary>
    private Task FailAsync(SweepEntry entry, string reason)
    {
        logger.LogWarning("Sweep {SweepId} case {CaseId} ({Case}) failed: {Reason}", SweepId, entry.Row.CaseId, entry.Case, reason);
        // The device label is the device id (cuda:0), as the workers' own series: the silo is Prometheus' instance.
        metrics.CaseFailed(KernelName(entry), entry.Row.DeviceKey is { } key ? key[(key.LastIndexOf('/') + 1)..] : "none");
        return MoveAsync(entry, CaseStatus.Failed, reason);
    }

    /// <summary>
    /// Every change of a case's state goes through here: status, lease fields, attempts, error and skip reason change together, now
    /// (before this returns), and the task completes when they are in SQL: callers answer only after awaiting it. A failed write puts
    /// the row back as it was (and every later queued one, <see cref="CaseWriteBuffer"/>), so memory never stays ahead of SQL.
    /// </summary>
    /// <param name="error">The error the row keeps (callers that do not change it pass the row's own).</param>
    /// <param name="leaseTo">With <see cref="CaseStatus.Leased"/>: the device taking a new lease (one more attempt).</param>
    /// <param name="skipReason">With <see cref="CaseStatus.Skipped"/>: why it will not run.</param>
    /// <param name="returned">With <see cref="CaseStatus.Pending"/>: a lease given back unstarted, so its attempt does not count.</param>
    private Task MoveAsync(SweepEntry entry, CaseStatus status, string? error, DeviceView? leaseTo = null, string? skipReason = null,
        bool returned = false)
    {
        if ((status == CaseStatus.Leased) != (leaseTo is not null) || (status == CaseStatus.Skipped) != (skipReason is not null))
            throw new ArgumentException($"case {entry.Row.CaseId}: a lease needs a device and a skip a reason, and only they do ({status}).");
        var row = entry.Row;
        var before = entry.Snapshot();
        var now = DateTime.UtcNow;
        _counts[(int)row.Status]--;
        _counts[(int)status]++;
        row.Status = status;
        row.Error = error;
        row.SkipReason = skipReason;
        row.UpdatedUtc = now;
        if (returned && row.Attempts > 0) row.Attempts--;
        if (status == CaseStatus.Pending) _pendingFrom = 0; // back in the queue, wherever it is
        if (leaseTo is not null)
        {
            row.Attempts++;
            row.LeaseId = Guid.NewGuid().ToString("N");
            row.DeviceKey = leaseTo.DeviceKey;
            row.LeaseExpiresUtc = now.AddSeconds(_plan!.LeaseSeconds);
        }
        else
        {
            row.LeaseId = null;
            row.LeaseExpiresUtc = null;
        }
        if (!IsLive(status)) _countsDirty = true;
        return Writes.Enqueue(entry, before);
    }

    private static bool IsLive(CaseStatus status) => status is CaseStatus.Pending or CaseStatus.Leased;

    private static string KernelName(SweepEntry entry) => entry.Case.Kernel.ToString().ToLowerInvariant();

    private Task FinishIfDoneAsync()
    {
        // Done, failed, skipped or cancelled are all final: a sweep with skipped cases completes like any other. Interleaved calls
        // may see the last case end together: one finish runs, the others wait for it.
        if (!Running || _cancelling || Live > 0) return Task.CompletedTask;
        return _finishing ??= FinishAsync();
    }

    private async Task FinishAsync()
    {
        try
        {
            // Every transition made so far must be stored (or undone) before the sweep's status says completed.
            await Writes.DrainAsync();
            if (!Running || _cancelling || Live > 0) return;
            // Before the status is written: whoever sees this sweep completed sees its child too. A failure here leaves it running and
            // the next tick tries again (the child's start is idempotent).
            await ApplyNoiseGateAsync();
            await EndAsync(SweepStatus.Completed);
        }
        finally
        {
            _finishing = null;
        }
    }

    /// <summary>
    /// The noise gate (docs/measurement.md): a sweep re-measures its cases whose CV is above the plan's limit in one child sweep; a
    /// child labels each case it measured noisy (still above) or not, on its own result and its parent's, and starts nothing.
    /// </summary>
    private async Task ApplyNoiseGateAsync()
    {
        if (_plan?.CvLimit is not { } limit || _childSweepId is not null) return;
        var results = await store.GetResultsAsync(SweepId);
        if (_sweep!.ParentSweepId is { } parent)
        {
            var labels = results.Where(r => r.CoefficientOfVariation is not null)
                .ToDictionary(r => r.CaseId, r => NoiseGate.IsNoisy(r.CoefficientOfVariation, limit), StringComparer.Ordinal);
            if (labels.Count > 0) await store.LabelNoisyAsync([SweepId, parent], labels);
            logger.LogInformation("Sweep {SweepId} re-measured {Count} case(s) of {Parent}: {Noisy} still above CV {Limit}", SweepId, labels.Count,
                parent, labels.Count(l => l.Value), limit);
            return;
        }
        var noisy = results.Where(r => NoiseGate.IsNoisy(r.CoefficientOfVariation, limit)).Select(r => r.CaseId).ToList();
        if (noisy.Count == 0) return;
        string child = NoiseGate.ChildSweepId(SweepId);
        await GrainFactory.GetGrain<ISweepGrain>(child).StartChildAsync(NoiseGate.RemeasurePlan(_plan, noisy), SweepId);
        _childSweepId = child;
        logger.LogInformation("Sweep {SweepId}: {Count} case(s) above CV {Limit} re-measured in sweep {Child}", SweepId, noisy.Count, limit, child);
    }

    private async Task EndAsync(SweepStatus status)
    {
        _sweep!.Status = status;
        _sweep.FinishedUtc = DateTime.UtcNow;
        // Status calls interleave with this write: until it is stored they still see the sweep running, so whoever sees it finished
        // and then reads the stored row (the CLI's summary, `scaling`'s end-to-end time) finds it finished there too.
        _ending = true;
        try
        {
            await WriteSweepAsync();
        }
        finally
        {
            _ending = false;
        }
        _timer?.Dispose();
        _timer = null;
        metrics.SweepPending(SweepId, 0);
        await GrainFactory.GetGrain<IActiveSweepsGrain>(0).RemoveAsync(SweepId);
        if (_writes is not null)
            logger.LogInformation("Sweep {SweepId} stored {Transitions} case transitions in {Writes} writes (this activation)", SweepId, _writes.Stored,
                _writes.Writes);
        logger.LogInformation("Sweep {SweepId} {Status}: {Done} done, {Failed} failed, {Skipped} skipped, {Cancelled} cancelled", SweepId,
            StatusWords.Word(status), Count(CaseStatus.Done), Count(CaseStatus.Failed), Count(CaseStatus.Skipped), Count(CaseStatus.Cancelled));
    }

    /// <summary>
    /// Writes the sweep's row (status and counts) after any write of it still in flight: the grain's turns interleave, and two writes
    /// racing could land out of order, a tick's older "running" over the final "completed".
    /// </summary>
    private Task WriteSweepAsync() => _sweepWrite = WriteSweepAfterAsync(_sweepWrite);

    private async Task WriteSweepAfterAsync(Task previous)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // That write's caller hears its failure; this one writes the row as it is now, whatever the previous did.
        }
        _sweep!.DoneCount = Count(CaseStatus.Done);
        _sweep.FailedCount = Count(CaseStatus.Failed);
        _sweep.SkippedCount = Count(CaseStatus.Skipped);
        await store.UpdateSweepAsync(_sweep);
        _countsDirty = false;
    }

    private int Count(CaseStatus status) => _counts[(int)status];

    private int Live => Count(CaseStatus.Pending) + Count(CaseStatus.Leased);

    private SweepStatusView View()
    {
        if (_sweep is null) return new SweepStatusView(SweepId, null, null, 0, 0, 0, 0, 0, 0, null, null, []);
        // One pass (a client polls this several times a second while a fleet-sized sweep runs): per device, done, failed and the
        // first case it holds.
        var perDevice = new Dictionary<string, (int Done, int Failed, SweepEntry? Current)>(StringComparer.Ordinal);
        foreach (var e in _cases)
        {
            if (e.Row.DeviceKey is not { } key || e.Row.Status is not (CaseStatus.Done or CaseStatus.Failed or CaseStatus.Leased)) continue;
            perDevice.TryGetValue(key, out var d);
            perDevice[key] = e.Row.Status switch
            {
                CaseStatus.Done => d with { Done = d.Done + 1 },
                CaseStatus.Failed => d with { Failed = d.Failed + 1 },
                _ => d with { Current = d.Current ?? e },
            };
        }
        var devices = perDevice
            .Select(p => new DeviceProgress(p.Key, p.Value.Done, p.Value.Failed, p.Value.Current?.Row.CaseId, p.Value.Current?.Case.ToString()))
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal)
            .ToArray();
        return new SweepStatusView(SweepId, _ending ? SweepStatus.Running : _sweep.Status, _sweep.Tag, _cases.Count, Count(CaseStatus.Pending),
            Count(CaseStatus.Leased), Count(CaseStatus.Done), Count(CaseStatus.Failed), Count(CaseStatus.Cancelled), _sweep.CreatedUtc,
            _ending ? null : _sweep.FinishedUtc, devices)
        {
            Skipped = Count(CaseStatus.Skipped),
            ChildSweepId = _childSweepId,
            ParentSweepId = _sweep.ParentSweepId,
        };
    }
}
