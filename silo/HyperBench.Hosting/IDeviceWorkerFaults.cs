using HyperBench.Contracts;

namespace HyperBench.Hosting;

/// <summary>
/// Faults a test injects into device workers (registered in the silo's services); production registers none and gets
/// <see cref="NoDeviceWorkerFaults"/>. Kept out of <see cref="DeviceWorkerOptions"/>, which holds only what an operator sets.
/// </summary>
public interface IDeviceWorkerFaults
{
    /// <summary>
    /// True: the worker that just took <paramref name="lease"/> dies on the spot (its thread ends without running the case, renewing
    /// or answering), as a crashed process would, so the lease must expire and be re-issued elsewhere.
    /// </summary>
    bool DiesHolding(CaseLease lease);
}

/// <summary>Production: no fault.</summary>
internal sealed class NoDeviceWorkerFaults : IDeviceWorkerFaults
{
    public bool DiesHolding(CaseLease lease) => false;
}
