namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A case as the flat fields every table, report, dump manifest and stored row names it (kernel and pass by their short names,
/// dtype by its canonical name): the one place a <see cref="BenchmarkCase"/> is taken apart into columns.
/// </summary>
public sealed record CaseFields(
    string CaseId,
    string Kernel,
    int N,
    bool Causal,
    string Pass,
    int Batch,
    int Heads,
    int D,
    string Dtype,
    string Distribution,
    ulong Seed,
    HyperParameters? Hyper)
{
    public static CaseFields Of(BenchmarkCase c) => new(
        c.Id,
        c.Kernel.ToString().ToLowerInvariant(),
        c.N,
        c.Causal,
        c.PassName,
        c.Batch,
        c.Heads,
        c.D,
        c.Dtype.Name(),
        c.Distribution,
        c.Seed,
        c.Kernel == KernelKind.Hyper ? c.HyperOrDefault : null);
}
