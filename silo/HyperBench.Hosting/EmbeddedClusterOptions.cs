using Microsoft.Extensions.Logging;

namespace HyperBench.Hosting;

/// <summary>The CLI's one-process mode: a single silo on localhost with its own devices and store.</summary>
public sealed record EmbeddedClusterOptions
{
    /// <summary>SQLite file (or any <see cref="HyperBenchSiloOptions.Db"/> value).</summary>
    public string Db { get; init; } = "hyperbench.db";

    /// <summary>"auto" (every CUDA device, else cpu), or a list such as "cpu" or "cuda:0".</summary>
    public string Devices { get; init; } = "auto";

    /// <summary>0: a free port is chosen.</summary>
    public int SiloPort { get; init; }

    /// <summary>0: a free port is chosen.</summary>
    public int GatewayPort { get; init; }

    public double HeartbeatSeconds { get; init; } = 5;

    public int IdlePollMilliseconds { get; init; } = 50;

    /// <summary>
    /// The sweeps this silo's devices run: null (a cluster silo) runs every running sweep of the store; the CLI names only the
    /// sweep it was started for (empty: none), so two processes on one database never run each other's cases.
    /// </summary>
    public IReadOnlyList<string>? Sweeps { get; init; }

    /// <summary>Logging for the silo (none by default: the CLI owns the console).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Further settings as configuration keys ("HyperBench:DeviceMemoryLimitBytes" = "...").</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
