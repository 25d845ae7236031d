using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// What a device worker runs a case on: a real backend through <see cref="BenchmarkEngine"/>, or a simulated device that waits the
/// modelled time (<see cref="Backends.Simulated.SimulatedDevice"/>). Created on, and used from, one thread.
/// </summary>
public interface ICaseRunner : IDisposable
{
    DeviceInfo Device { get; }

    /// <summary>Measures (or models) one case; a failed case comes back with <see cref="CaseResult.Error"/> set.</summary>
    /// <exception cref="ArgumentException">The case is invalid (bad shape).</exception>
    /// <exception cref="OperationCanceledException">Cancelled mid-case.</exception>
    CaseResult Run(BenchmarkCase benchmarkCase, MeasurementOptions options, CancellationToken cancellationToken);
}

/// <summary>A real backend: the one measurement engine on it.</summary>
public sealed class EngineCaseRunner(IAttentionBackend backend) : ICaseRunner
{
    public DeviceInfo Device => backend.Device;

    public CaseResult Run(BenchmarkCase benchmarkCase, MeasurementOptions options, CancellationToken cancellationToken) =>
        new BenchmarkEngine(backend, options).Run(benchmarkCase, null, cancellationToken);

    public void Dispose() => backend.Dispose();
}
