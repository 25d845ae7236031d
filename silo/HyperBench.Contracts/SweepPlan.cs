using System.Globalization;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Contracts;

/// <summary>
/// What a sweep measures: the cross product of its lists, plus how to measure and how to schedule. Submitted as is, stored as
/// JSON with the sweep, and expanded into cases in a stable order by <see cref="Expand"/>.
/// </summary>
[GenerateSerializer, Alias("hyperbench.SweepPlan")]
public sealed record SweepPlan
{
    public static IReadOnlyList<string> SupportedKernels { get; } = ["flash", "hyper"];

    public static IReadOnlyList<string> SupportedPasses { get; } = ["fwd", "fwdbwd"];

    /// <summary>"flash" and/or "hyper".</summary>
    [Id(0)] public string[] Kernels { get; init; } = ["flash"];

    [Id(1)] public int[] SeqLens { get; init; } = [1024, 2048, 4096];

    [Id(2)] public bool[] Causal { get; init; } = [false];

    /// <summary>"fwd" and/or "fwdbwd".</summary>
    [Id(3)] public string[] Passes { get; init; } = ["fwd"];

    [Id(4)] public int Batch { get; init; } = 1;

    [Id(5)] public int Heads { get; init; } = 8;

    [Id(6)] public int[] HeadDims { get; init; } = [64];

    [Id(7)] public string[] Dtypes { get; init; } = ["fp32"];

    [Id(8)] public string[] Distributions { get; init; } = ["normal"];

    [Id(9)] public ulong Seed { get; init; } = 1;

    /// <summary>HyperAttention r (used by hyper cases only; part of their identity).</summary>
    [Id(10)] public int LshProjections { get; init; } = HyperParameters.Default.LshProjections;

    /// <summary>HyperAttention b.</summary>
    [Id(11)] public int BlockSize { get; init; } = HyperParameters.Default.BlockSize;

    /// <summary>HyperAttention m.</summary>
    [Id(12)] public int Samples { get; init; } = HyperParameters.Default.Samples;

    /// <summary>HyperAttention min_seq_len.</summary>
    [Id(13)] public int MinSeqLen { get; init; } = HyperParameters.Default.MinSeqLen;

    /// <summary>HyperAttention sampling: "uniform" or "value-norm".</summary>
    [Id(14)] public string Sampling { get; init; } = HyperParameters.Default.Sampling;

    [Id(15)] public int MinSamples { get; init; } = 5;

    [Id(16)] public double BudgetSeconds { get; init; } = 1.0;

    [Id(17)] public int WarmupRuns { get; init; } = 1;

    [Id(18)] public double WarmupSeconds { get; init; } = 0.5;

    /// <summary>Leases of one case before it is stored failed (expired or abandoned leases count).</summary>
    [Id(19)] public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// How long a lease lives without a heartbeat. Workers renew it while a case runs, so this bounds how long a dead worker holds a
    /// case, not how long a case may take.
    /// </summary>
    [Id(20)] public double LeaseSeconds { get; init; } = 60;

    [Id(21)] public string? Tag { get; init; }

    /// <summary>
    /// Only devices matching one of these run the sweep: a kind ("cpu", "cuda", "ilgpu-cpu"), a device id ("cuda:1") or a full
    /// device key ("host:11111/cuda:0"). Empty: every device.
    /// </summary>
    [Id(22)] public string[] Devices { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
    public void Validate()
    {
        RequireNonEmpty(Kernels, nameof(Kernels));
        foreach (var k in Kernels)
            if (!SupportedKernels.Contains(k))
                throw new ArgumentException($"kernel '{k}' is not supported; supported: {string.Join(", ", SupportedKernels)}.", nameof(Kernels));
        RequireNonEmpty(SeqLens, nameof(SeqLens));
        foreach (int n in SeqLens)
            if (n < 1) throw new ArgumentException($"sequence length {n} must be >= 1.", nameof(SeqLens));
        RequireNonEmpty(Causal, nameof(Causal));
        RequireNonEmpty(Passes, nameof(Passes));
        foreach (var p in Passes)
            if (!SupportedPasses.Contains(p))
                throw new ArgumentException($"pass '{p}' is not supported; supported: {string.Join(", ", SupportedPasses)}.", nameof(Passes));
        if (Batch < 1) throw new ArgumentException($"batch {Batch} must be >= 1.", nameof(Batch));
        if (Heads < 1) throw new ArgumentException($"heads {Heads} must be >= 1.", nameof(Heads));
        RequireNonEmpty(HeadDims, nameof(HeadDims));
        RequireNonEmpty(Dtypes, nameof(Dtypes));
        RequireNonEmpty(Distributions, nameof(Distributions));
        foreach (var device in Devices)
            if (!DeviceSpec.TryParse(device, out _, out var error)) throw new ArgumentException(error, nameof(Devices));
        if (MaxAttempts < 1) throw new ArgumentException($"max attempts {MaxAttempts} must be >= 1.", nameof(MaxAttempts));
        if (!(LeaseSeconds > 0)) throw new ArgumentException($"lease seconds {LeaseSeconds} must be > 0.", nameof(LeaseSeconds));
        if (WarmupSeconds < 0 || double.IsNaN(WarmupSeconds))
            throw new ArgumentException($"warm-up seconds {WarmupSeconds} must be >= 0.", nameof(WarmupSeconds));
        try
        {
            _ = Measurement();
            if (Kernels.Contains("hyper")) Hyper().Validate();
            // Shape() checks dtype, distribution, head dim and the hyper parameters: one case per distinct value is enough.
            foreach (var c in Expand()) c.Shape();
        }
        catch (ArgumentException ex) when (ex is not null)
        {
            throw new ArgumentException(ex.Message, ex.ParamName, ex);
        }
    }

    /// <summary>
    /// The cases in a stable order: kernel innermost, so the flash and hyper cases of the same n sit side by side, then n ascending,
    /// inside loops over pass, causal, head dim, dtype and distribution.
    /// </summary>
    public IReadOnlyList<BenchmarkCase> Expand()
    {
        var hyper = Hyper();
        var cases = new List<BenchmarkCase>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var distribution in Distributions)
        foreach (var dtype in Dtypes)
        foreach (int d in HeadDims)
        foreach (bool causal in Causal.Distinct())
        foreach (var pass in Passes.Distinct())
        foreach (int n in SeqLens.Distinct().Order())
        foreach (var kernel in Kernels.Distinct())
        {
            var kind = kernel == "hyper" ? KernelKind.Hyper : KernelKind.Flash;
            var c = new BenchmarkCase(kind, n, causal, pass == "fwdbwd" ? AttentionPass.ForwardBackward : AttentionPass.Forward,
                Batch, Heads, d, dtype, distribution, Seed, kind == KernelKind.Hyper ? hyper : null);
            if (seen.Add(c.Id)) cases.Add(c);
        }
        return cases;
    }

    public HyperParameters Hyper() => new(LshProjections, BlockSize, Samples, MinSeqLen, Sampling);

    /// <exception cref="ArgumentOutOfRangeException">A measurement setting is out of range (names it).</exception>
    public MeasurementOptions Measurement() =>
        new(MinSamples, BudgetSeconds, Math.Max(1000, MinSamples), WarmupRuns) { WarmupSeconds = WarmupSeconds };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{string.Join('+', Kernels)} n={string.Join(',', SeqLens)} causal={string.Join(',', Causal)} {string.Join(',', Passes)} b{Batch} h{Heads} d{string.Join(',', HeadDims)}");

    private static void RequireNonEmpty<T>(T[]? values, string name)
    {
        if (values is null || values.Length == 0) throw new ArgumentException($"{name} must list at least one value.", name);
    }
}
