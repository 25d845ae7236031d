using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Plans;

/// <summary>The cases of a kernel benchmark: the cross product of the listed values, validated before anything runs.</summary>
public sealed record KernelBenchPlan(IReadOnlyList<BenchmarkCase> Cases)
{
    private static readonly Dictionary<string, KernelKind> Kernels = new() { ["flash"] = KernelKind.Flash, ["hyper"] = KernelKind.Hyper };

    private static readonly Dictionary<string, AttentionPass> Passes = new()
    {
        ["fwd"] = AttentionPass.Forward,
        ["fwdbwd"] = AttentionPass.ForwardBackward,
        ["fwd+bwd"] = AttentionPass.ForwardBackward,
    };

    public static KernelBenchPlan Parse(string? kernel, string? n, string? causal, string? pass, string? batch, string? heads, string? d,
        string? dtype, string? dist, ulong seed, HyperParameters? hyper = null)
    {
        hyper ??= HyperParameters.Default;
        ValidateHyper(hyper);
        var kernels = ListParser.Names("--kernel", kernel, Kernels);
        var ns = ListParser.Integers("--n", n, 1);
        var masks = ListParser.Causal(causal);
        var passes = ListParser.Names("--pass", pass, Passes);
        var batches = ListParser.Integers("--batch", batch, 1);
        var headCounts = ListParser.Integers("--heads", heads, 1);
        var dims = ListParser.Integers("--d", d, 1);
        foreach (int dim in dims)
        {
            if (!AttentionShape.SupportedHeadDims.Contains(dim))
                throw new PlanException($"--d: {dim} is not supported; supported head dimensions: {string.Join(", ", AttentionShape.SupportedHeadDims)}.");
        }
        var dtypes = ListParser.Names("--dtype", dtype, BenchmarkCase.SupportedDtypes.ToDictionary(x => x));
        var dists = ListParser.Names("--dist", dist, BenchmarkCase.SupportedDistributions.ToDictionary(x => x));

        var cases = new List<BenchmarkCase>();
        foreach (var k in kernels)
            foreach (int b in batches)
                foreach (int h in headCounts)
                    foreach (int dim in dims)
                        foreach (var dt in dtypes)
                            foreach (var dist1 in dists)
                                foreach (int len in ns.Order())
                                    foreach (bool c in masks)
                                        foreach (var p in passes)
                                            cases.Add(new BenchmarkCase(k, len, c, p, b, h, dim, dt, dist1, seed, k == KernelKind.Hyper ? hyper : null));
        foreach (var bc in cases)
        {
            try
            {
                bc.Shape();
            }
            catch (ArgumentException ex)
            {
                throw new PlanException($"case {bc}: {ErrorText.For(ex)}");
            }
        }
        return new KernelBenchPlan(cases);
    }

    /// <summary>Names the option, not the record's property: the user typed --block-size, not BlockSize.</summary>
    internal static void ValidateHyper(HyperParameters hyper)
    {
        try
        {
            hyper.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            string option = ex.ParamName switch
            {
                nameof(HyperParameters.LshProjections) => "--lsh-projections",
                nameof(HyperParameters.BlockSize) => "--block-size",
                nameof(HyperParameters.Samples) => "--samples",
                nameof(HyperParameters.MinSeqLen) => "--min-seq-len",
                _ => "--sampling",
            };
            throw new PlanException($"{option}: {ErrorText.For(ex)}");
        }
    }
}
