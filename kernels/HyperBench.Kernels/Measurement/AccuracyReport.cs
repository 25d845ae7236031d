namespace HyperBench.Kernels.Measurement;

/// <summary>
/// How far an approximate output is from the exact one on the same inputs (docs/algorithms.md section 4), for one tensor (O, dQ, dK or dV).
/// </summary>
/// <param name="Tensor">o, dq, dk or dv.</param>
/// <param name="RelativeFrobenius">||X_approx - X_exact||_F / ||X_exact||_F.</param>
/// <param name="SpectralOverV">||X_approx - X_exact||_2 / ||V||_2 (per (batch, head) n x d matrices; the worst head).</param>
/// <param name="MeanRowCosine">Mean cosine similarity of rows.</param>
public sealed record AccuracyMetric(string Tensor, double RelativeFrobenius, double SpectralOverV, double MeanRowCosine);

/// <summary>Accuracy of a case against the exact flash kernel; <see cref="HeadsMeasured"/> &lt; total when measured on a subset of heads.</summary>
public sealed record AccuracyReport(IReadOnlyList<AccuracyMetric> Metrics, int HeadsMeasured, int HeadsTotal, string Reference = "flash");
