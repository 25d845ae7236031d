namespace HyperBench.Contracts;

/// <summary>One device's share of a sweep.</summary>
[GenerateSerializer, Alias("hyperbench.DeviceProgress")]
public sealed record DeviceProgress(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] int Done,
    [property: Id(2)] int Failed,
    [property: Id(3)] string? CurrentCaseId,
    [property: Id(4)] string? CurrentCase);
