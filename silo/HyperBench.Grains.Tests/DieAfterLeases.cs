using HyperBench.Contracts;
using HyperBench.Hosting;

namespace HyperBench.Grains.Tests;

/// <summary>The worker that takes a silo's <paramref name="leases"/>th lease dies holding it, as a crashed process would.</summary>
internal sealed class DieAfterLeases(int leases) : IDeviceWorkerFaults
{
    private int _taken;

    public bool DiesHolding(CaseLease lease) => Interlocked.Increment(ref _taken) == leases;
}
