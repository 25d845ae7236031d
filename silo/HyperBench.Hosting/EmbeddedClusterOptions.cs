using Microsoft.Extensions.Logging;

namespace HyperBench.Hosting;

/// <summary>
/// What the program embedding a silo decides (the CLI's one-process mode); the settings themselves come from configuration
/// (<see cref="EmbeddedCluster.StartAsync"/>).
/// </summary>
public sealed record EmbeddedClusterOptions
{
    /// <summary>0: a free port is chosen (a client in the same test may need a known one).</summary>
    public int GatewayPort { get; init; }

    /// <summary>The sweeps this silo's devices run: null runs every running sweep of the store (<see cref="DeviceWorkerScope"/>).</summary>
    public IReadOnlyList<string>? Sweeps { get; init; }

    /// <summary>Logging for the silo (none by default: the CLI owns the console).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }
}
