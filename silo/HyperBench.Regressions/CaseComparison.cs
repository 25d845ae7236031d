using HyperBench.Storage;

namespace HyperBench.Regressions;

/// <summary>One case matched by case id in both sweeps: its fields (from the candidate), the time comparison and the accuracy comparison.</summary>
public sealed record CaseComparison(StoredCaseSamples Case, SampleComparison Time, ErrorComparison Error)
{
    /// <summary>Slower, or less accurate: what makes `compare` exit 1.</summary>
    public bool Regressed => Time.Verdict == Verdict.Slower || Error.Regressed;

    /// <summary>The case for people: kernel, n, mask, pass, dtype (and hyper parameters).</summary>
    public string Label => $"{Case.Kernel} n={Case.N} {(Case.Causal ? "causal" : "full")} {Case.Pass} {Case.Dtype}" +
        (Case.HyperParameters is null ? "" : $" [{Case.HyperParameters}]");
}
