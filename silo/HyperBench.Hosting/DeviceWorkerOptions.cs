using System.ComponentModel.DataAnnotations;

namespace HyperBench.Hosting;

/// <summary>
/// How a silo's device workers behave: what an operator sets, bound from the same section "HyperBench" as
/// <see cref="HyperBenchSiloOptions"/> (the property names are the keys). Test clusters set them in code.
/// </summary>
public sealed class DeviceWorkerOptions
{
    /// <summary>"auto" (every CUDA device, else the cpu backend), "none" (no workers), or a list: "cpu", "cuda:0,cuda:1", "ilgpu-cpu".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Devices { get; set; } = "auto";

    /// <summary>How often a running case renews its lease (a sweep's lease time bounds how long a dead worker holds a case).</summary>
    [Range(0.05, 3600)]
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>
    /// How long a worker waits before trying again after the cluster or the store failed a call. An idle worker does not poll: it
    /// waits on the active sweeps until a sweep starts or a case goes back to pending (docs/scheduling.md).
    /// </summary>
    [Range(10, 60000)]
    public int IdlePollMilliseconds { get; set; } = 250;

    /// <summary>
    /// Lease the next case while the current one runs, and store the result and complete the lease while the next one runs
    /// (docs/scheduling.md): no round trip to the cluster or the database between two cases. A sweep grants a lease ahead only while more
    /// cases wait than are leased.
    /// </summary>
    public bool LeaseAhead { get; set; } = true;

    /// <summary>The simulated devices' (sim:i) model file (docs/simulation.md); empty: the built-in cpu-default model.</summary>
    public string? SimModel { get; set; }

    /// <summary>How often a CUDA device's clocks, temperature, power and throttle reasons are read while a case runs (docs/telemetry.md).</summary>
    [Range(10, 10000)]
    public int TelemetryPeriodMilliseconds { get; set; } = HyperBench.Kernels.Telemetry.DeviceTelemetry.DefaultPeriodMilliseconds;

    /// <summary>
    /// Threads of each cpu:i device (several CPU devices of one silo, "cpu:0-1"); 0: the processor count divided by the number of
    /// cpu:i devices, at least 1. Plain "cpu" always uses every core.
    /// </summary>
    [Range(0, 4096)]
    public int CpuThreadsPerDevice { get; set; }

    /// <summary>When &gt; 0, each device advertises at most this many bytes (a share of a machine, or a test): larger cases go elsewhere.</summary>
    [Range(0, long.MaxValue)]
    public long DeviceMemoryLimitBytes { get; set; }
}
