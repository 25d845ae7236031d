namespace HyperBench.Observability.Tests;

/// <summary>
/// Tests that start a silo with /metrics run one at a time: OpenTelemetry listens to a meter by its name process-wide, so two silos'
/// "HyperBench" meters in one test process would add into each other's /metrics.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SiloCollection
{
    public const string Name = "silo with metrics";
}
