using HyperBench.Contracts;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;

namespace HyperBench.Grains;

/// <summary>
/// The running sweeps, loaded from SQL on activation so that a restarted cluster finds unfinished sweeps. It never calls a sweep
/// grain (sweeps call it), so no call cycle can deadlock.
/// </summary>
public sealed class ActiveSweepsGrain(ISweepStore store) : Grain, IActiveSweepsGrain
{
    private readonly List<string> _sweeps = [];

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var sweep in await store.ListUnfinishedSweepsAsync(cancellationToken))
            if (sweep.Status == SweepStatus.Running && !_sweeps.Contains(sweep.SweepId)) _sweeps.Add(sweep.SweepId);
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
