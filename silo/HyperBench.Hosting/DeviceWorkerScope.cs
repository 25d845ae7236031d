namespace HyperBench.Hosting;

/// <summary>
/// The sweeps a silo's device workers lease from. A cluster silo runs every running sweep of its store (<see cref="Everything"/>,
/// the default); the CLI's in-process silo names only the sweep it was started for (empty: none), so two processes on one
/// database never run each other's cases. Set by the program that embeds the silo, not by an operator.
/// </summary>
/// <param name="Sweeps">Null: every running sweep.</param>
public sealed record DeviceWorkerScope(IReadOnlyList<string>? Sweeps)
{
    public static DeviceWorkerScope Everything { get; } = new(Sweeps: null);
}
