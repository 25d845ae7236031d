using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

/// <summary>One result for <see cref="ISweepStore.SaveResultsAsync"/>: the case's result, where it ran, and which attempt of its lease.</summary>
public sealed record ResultToStore(string SweepId, CaseResult Result, EnvironmentInfo Environment, string DeviceKey, int Attempt);
