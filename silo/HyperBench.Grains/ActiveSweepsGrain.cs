using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace HyperBench.Grains;

/// <summary>
/// The running sweeps, loaded from SQL on activation so that a restarted cluster finds unfinished sweeps. It never calls a sweep
/// grain (sweeps call it), so no call cycle can deadlock. Only this cluster's service's sweeps: clusters with other service ids may
/// share the database, and their sweeps are theirs to run (docs/security.md).
/// Idle workers long-poll it (<see cref="WaitForWorkAsync"/>): every start and every signal moves the version and answers them all,
/// so an idle fleet makes no calls for work until there is some.
/// </summary>
public sealed class ActiveSweepsGrain(ISweepStore store, IOptions<ClusterOptions> cluster) : Grain, IActiveSweepsGrain
{
    private readonly List<string> _sweeps = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in await store.ListUnfinishedSweepsAsync(cancellationToken))
            if (sweep.Status == SweepStatus.Running && sweep.ServiceId == cluster.Value.ServiceId && !_sweeps.Contains(sweep.SweepId))
                _sweeps.Add(sweep.SweepId);
        // A new activation's versions start past any a worker saw from the one before (it may have moved or restarted).
        _version = DateTime.UtcNow.Ticks;
    }

    public Task<string[]> ListAsync() => Task.FromResult(_sweeps.ToArray());

    public Task AddAsync(string sweepId)
    {
        if (!_sweeps.Contains(sweepId)) _sweeps.Add(sweepId);
        Wake();
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string sweepId)
    {
        _sweeps.Remove(sweepId);
        return Task.CompletedTask;
    }

    public Task SignalAsync(string sweepId)
    {
        if (_sweeps.Contains(sweepId)) Wake();
        return Task.CompletedTask;
    }

    public async Task<ActiveSweeps> WaitForWorkAsync(long seenVersion, TimeSpan timeout)
    {
        if (seenVersion == _version && timeout > TimeSpan.Zero)
        {
            try
            {
                await _changed.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
            }
        }
        return new ActiveSweeps(_version, [.. _sweeps]);
    }

    private void Wake()
    {
        _version++;
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
