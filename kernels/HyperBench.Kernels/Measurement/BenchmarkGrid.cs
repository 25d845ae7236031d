using System.Globalization;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The axes of a benchmark: every listed value of every axis, crossed (docs/plans.md). `kernels bench`, `sweep` and the sweep grain
/// all validate and expand through this one type, so the same options give the same cases in the same order everywhere.
/// </summary>
public sealed record BenchmarkGrid
{
    public KernelKind[] Kernels { get; init; } = [KernelKind.Flash];

    public int[] SeqLens { get; init; } = [1024, 2048, 4096];

    public bool[] Causal { get; init; } = [false];

    public AttentionPass[] Passes { get; init; } = [AttentionPass.Forward];

    public int[] Batches { get; init; } = [1];

    public int[] Heads { get; init; } = [8];

    public int[] HeadDims { get; init; } = [64];

    public Dtype[] Dtypes { get; init; } = [Dtype.Fp32];

    public string[] Distributions { get; init; } = ["normal"];

    public ulong Seed { get; init; } = 1;

    /// <summary>HyperAttention's parameters: used by hyper cases only, and part of their identity.</summary>
    public HyperParameters Hyper { get; init; } = HyperParameters.Default;

    /// <summary>
    /// Throws <see cref="ArgumentException"/> for the first bad value: the message starts with the value, ParamName is the axis
    /// (the property's name, or the <see cref="HyperParameters"/> property's), so a caller can name the axis its own way.
    /// </summary>
    public void Validate()
    {
        RequireNonEmpty(Kernels, nameof(Kernels));
        foreach (var k in Kernels)
            if (!Enum.IsDefined(k)) throw new ArgumentException($"{(int)k} is not a kernel; use one of: flash, hyper.", nameof(Kernels));
        RequireNonEmpty(SeqLens, nameof(SeqLens));
        foreach (int n in SeqLens) RequirePositive(n, nameof(SeqLens));
        RequireNonEmpty(Causal, nameof(Causal));
        RequireNonEmpty(Passes, nameof(Passes));
        foreach (var p in Passes)
            if (!Enum.IsDefined(p)) throw new ArgumentException($"{(int)p} is not a pass; use one of: fwd, fwdbwd.", nameof(Passes));
        RequireNonEmpty(Batches, nameof(Batches));
        foreach (int b in Batches) RequirePositive(b, nameof(Batches));
        RequireNonEmpty(Heads, nameof(Heads));
        foreach (int h in Heads) RequirePositive(h, nameof(Heads));
        RequireNonEmpty(HeadDims, nameof(HeadDims));
        foreach (int d in HeadDims)
        {
            if (!AttentionShape.SupportedHeadDims.Contains(d))
                throw new ArgumentException($"{d} is not supported; supported head dimensions: {string.Join(", ", AttentionShape.SupportedHeadDims)}.", nameof(HeadDims));
        }
        RequireNonEmpty(Dtypes, nameof(Dtypes));
        foreach (var t in Dtypes) _ = t.Name(); // an undefined value throws, naming it
        RequireNonEmpty(Distributions, nameof(Distributions));
        foreach (var dist in Distributions)
        {
            if (!BenchmarkCase.SupportedDistributions.Contains(dist))
                throw new ArgumentException($"'{dist}' is not valid; use one of: {string.Join(", ", BenchmarkCase.SupportedDistributions)}.", nameof(Distributions));
        }
        if (Kernels.Contains(KernelKind.Hyper)) Hyper.Validate();
        foreach (var c in Expand())
        {
            try
            {
                c.Shape(); // the tensor-size limits: they depend on the combination, not on one axis
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"case {c}: {ex.Message.Split(" (Parameter", 2)[0]}", ex);
            }
        }
    }

    /// <summary>
    /// The cases in one stable order: batch, heads, distribution, dtype, head dim, causal, pass, then n ascending, then the kernel
    /// innermost, so the flash and hyper cases of the same n sit side by side. A repeated value gives its case once.
    /// </summary>
    public IReadOnlyList<BenchmarkCase> Expand()
    {
        // Every axis is taken once per distinct value, so no two cases are equal: no set of ids needed (an id is a SHA-256, and a sweep of
        // thousands of cases expands its grid at its start, while every device waits).
        var cases = new List<BenchmarkCase>();
        foreach (int batch in Batches.Distinct())
        foreach (int heads in Heads.Distinct())
        foreach (var distribution in Distributions.Distinct())
        foreach (var dtype in Dtypes.Distinct())
        foreach (int d in HeadDims.Distinct())
        foreach (bool causal in Causal.Distinct())
        foreach (var pass in Passes.Distinct())
        foreach (int n in SeqLens.Distinct().Order())
        foreach (var kernel in Kernels.Distinct())
        {
            cases.Add(new BenchmarkCase(kernel, n, causal, pass, batch, heads, d, dtype, distribution, Seed, kernel == KernelKind.Hyper ? Hyper : null));
        }
        return cases;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{string.Join('+', Kernels.Select(k => k.ToString().ToLowerInvariant()))} n={Few(SeqLens)} causal={string.Join(',', Causal)} " +
        $"{string.Join(',', Passes.Select(p => p.Name()))} b{Few(Batches)} h{Few(Heads)} d{Few(HeadDims)}");

    /// <summary>A list as written, or its ends and its count when long (a plan of thousands of n is one log line, not 25 KB).</summary>
    private static string Few(int[] values) => values.Length <= 12
        ? string.Join(',', values)
        : string.Create(CultureInfo.InvariantCulture, $"{string.Join(',', values[..4])},...,{string.Join(',', values[^2..])} ({values.Length} values)");

    private static void RequireNonEmpty<T>(T[]? values, string name)
    {
        if (values is null || values.Length == 0) throw new ArgumentException("no value given.", name);
    }

    private static void RequirePositive(int value, string name)
    {
        if (value < 1) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{value} must be >= 1."), name);
    }
}
