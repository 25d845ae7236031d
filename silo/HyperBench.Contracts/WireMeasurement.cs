namespace HyperBench.Contracts;

/// <summary>The wire form of <see cref="Kernels.Measurement.MeasurementOptions"/> (kernels/ knows nothing of Orleans).</summary>
[GenerateSerializer, Alias("hyperbench.WireMeasurement")]
public readonly record struct WireMeasurement(
    [property: Id(0)] int MinSamples,
    [property: Id(1)] double BudgetSeconds,
    [property: Id(2)] int MaxSamples,
    [property: Id(3)] int WarmupRuns,
    [property: Id(4)] double WarmupSeconds,
    [property: Id(5)] bool KeepTensors);
