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
/// </summary>
public sealed class ActiveSweepsGrain(ISweepStore store, IOptions<ClusterOptions> cluster) : Grain, IActiveSweepsGrain
{
    private readonly List<string> _sweeps = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in await store.ListUnfinishedSweepsAsync(cancellationToken))
            if (sweep.Status == SweepStatus.Running && sweep.ServiceId == cluster.Value.ServiceId && !_sweeps.Contains(sweep.SweepId))
                _sweeps.Add(sweep.SweepId);
    }

    public Task<string[]> ListAsync() => Task.FromResult(_sweeps.ToArray());

    public Task AddAsync(string sweepId)
    {
        if (!_sweeps.Contains(sweepId)) _sweeps.Add(sweepId);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string sweepId)
    {
        _sweeps.Remove(sweepId);
        return Task.CompletedTask;
    }
}
