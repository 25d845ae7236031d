using HyperBench.Grains;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>
/// Starts one <see cref="DeviceWorker"/> per device of this silo once the silo is active (grain calls work), and stops them
/// before the silo leaves the cluster, so a running case gives its lease back.
/// </summary>
public sealed class DeviceWorkerService(
    IGrainFactory grains,
    ISweepStore store,
    HyperBenchMetrics metrics,
    ILocalSiloDetails silo,
    IOptions<DeviceWorkerOptions> options,
    DeviceWorkerScope scope,
    IDeviceWorkerFaults faults,
    ILoggerFactory loggerFactory) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    private readonly List<DeviceWorker> _workers = [];
    // One writer for all the silo's devices: results finished together are stored in one transaction (docs/scheduling.md).
    private BufferedResultWriter? _results;
    private readonly ILogger _logger = loggerFactory.CreateLogger<DeviceWorkerService>();

    public IReadOnlyList<DeviceWorker> Workers => _workers;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DeviceWorkerService), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        string address = silo.SiloAddress.Endpoint.ToString();
        var devices = DeviceSelection.Resolve(options.Value.Devices);
        int? cpuThreads = CpuThreads(devices, options.Value.CpuThreadsPerDevice);
        // One model for every simulated device of the silo, read once (docs/simulation.md).
        var simModel = devices.Any(d => DeviceSpec.Parse(d).Kind == DeviceKind.Simulated)
            ? string.IsNullOrWhiteSpace(options.Value.SimModel) ? SimModel.Default : SimModel.Load(options.Value.SimModel)
            : null;
        if (simModel is not null)
            _logger.LogWarning("Silo {Silo} runs simulated devices (model {Model}): their results are modelled times, not measurements", address, simModel.Name);
        _results = new BufferedResultWriter(store, logger: loggerFactory.CreateLogger<BufferedResultWriter>());
        foreach (var device in devices)
        {
            var worker = new DeviceWorker(device, address, grains, _results, metrics, options.Value, scope, faults, loggerFactory, cpuThreads, simModel);
            _workers.Add(worker);
            worker.Start();
        }
        foreach (var worker in _workers.ToList())
        {
            try
            {
                await worker.Ready.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One missing device must not take the silo down: the others still work.
                _logger.LogError(ex, "A device of silo {Silo} did not start: {Error}", address, ex.Message);
                _workers.Remove(worker);
                worker.Dispose();
            }
        }
        _logger.LogInformation("Silo {Silo} runs {Count} device worker(s): {Devices}", address, _workers.Count, string.Join(", ", devices));
    }

    /// <summary>
    /// The threads of each cpu:i device: the setting, or 0 = the processor count shared out among them (at least 1 each). Null when the
    /// silo has no cpu:i device (plain "cpu" uses every core).
    /// </summary>
    public static int? CpuThreads(IReadOnlyList<string> devices, int perDevice)
    {
        int cpus = devices.Count(d => d != DeviceSelection.None && Kernels.Backends.DeviceSpec.Parse(d) is { Kind: Kernels.Backends.DeviceKind.Cpu, Index: not null });
        if (cpus == 0) return null;
        return perDevice > 0 ? perDevice : Math.Max(1, Environment.ProcessorCount / cpus);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_workers.Select(async w =>
        {
            try
            {
                await w.StopAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                _logger.LogWarning("A device worker did not stop in time");
            }
        }));
        foreach (var w in _workers) w.Dispose();
        _workers.Clear();
        // Everything the workers queued was awaited by them before completing a lease: draining here is quick.
        if (_results is not null) await _results.DisposeAsync();
        _results = null;
    }

    /// <summary>A silo torn down without its stop stage (a failed start) still drains what its writer holds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_results is not null) await _results.DisposeAsync();
        _results = null;
    }
}
