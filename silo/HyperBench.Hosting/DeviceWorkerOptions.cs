namespace HyperBench.Hosting;

/// <summary>How a silo's device workers behave (from <see cref="HyperBenchSiloOptions"/>, or set directly by tests).</summary>
public sealed class DeviceWorkerOptions
{
    /// <summary>See <see cref="HyperBenchSiloOptions.Devices"/>.</summary>
    public string Devices { get; set; } = "auto";

    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan IdlePoll { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// When &gt; 0, the device advertises at most this much memory (a share of a machine, or a test): larger cases go elsewhere.
    /// </summary>
    public long MemoryLimitBytes { get; set; }

    /// <summary>
    /// Null: the worker leases from every running sweep (a cluster silo). Otherwise only from these sweeps (an embedded silo runs
    /// the sweep it was started for, not another process's running on the same database).
    /// </summary>
    public IReadOnlyList<string>? Sweeps { get; set; }

    /// <summary>
    /// Test hook: when &gt; 0, a worker that takes its Nth lease dies on the spot (its thread ends without running the case,
    /// renewing or answering), as a crashed process would, so the lease must expire and be re-issued elsewhere.
    /// </summary>
    public int DieAfterLeases { get; set; }
}
