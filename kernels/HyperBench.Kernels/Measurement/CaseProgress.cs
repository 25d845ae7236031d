namespace HyperBench.Kernels.Measurement;

/// <summary>Where a case is: preparing, warming up, or sampling (with the fraction of its budget used).</summary>
public sealed record CaseProgress(BenchmarkCase Case, string Phase, int Samples, double Fraction);
