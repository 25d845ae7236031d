namespace HyperBench.Grains.Tests;

/// <summary>Tests that start silos share one collection: their device workers use every core, so side by side they only slow each other.</summary>
public static class ClusterCollection
{
    public const string Name = "clusters";
}
