using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Plans;

/// <summary>
/// The one plan path of `kernels bench` and `sweep`: parses the option text, builds the <see cref="SweepPlan"/> and validates it
/// through <see cref="SweepPlan.Validate"/> (the method the grain calls), turning the field a check names into the option the user
/// typed. Errors are <see cref="PlanException"/>s.
/// </summary>
public static class PlanBuilder
{
    private static readonly Dictionary<string, KernelKind> KernelNames = new() { ["flash"] = KernelKind.Flash, ["hyper"] = KernelKind.Hyper };

    /// <summary>The option behind each field a plan check names (grid axes, hyper parameters, measurement and scheduling settings).</summary>
    private static readonly Dictionary<string, string> Options = new(StringComparer.OrdinalIgnoreCase)
    {
        [nameof(BenchmarkGrid.Kernels)] = "--kernel",
        [nameof(BenchmarkGrid.SeqLens)] = "--n",
        [nameof(BenchmarkGrid.Causal)] = "--causal",
        [nameof(BenchmarkGrid.Passes)] = "--pass",
        [nameof(BenchmarkGrid.Batches)] = "--batch",
        [nameof(BenchmarkGrid.Heads)] = "--heads",
        [nameof(BenchmarkGrid.HeadDims)] = "--d",
        [nameof(BenchmarkGrid.Dtypes)] = "--dtype",
        [nameof(BenchmarkGrid.Distributions)] = "--dist",
        [nameof(HyperParameters.LshProjections)] = "--lsh-projections",
        [nameof(HyperParameters.BlockSize)] = "--block-size",
        [nameof(HyperParameters.Samples)] = "--samples",
        [nameof(HyperParameters.MinSeqLen)] = "--min-seq-len",
        [nameof(HyperParameters.Sampling)] = "--sampling",
        [nameof(MeasurementOptions.MinSamples)] = "--min-samples",
        [nameof(MeasurementOptions.BudgetSeconds)] = "--budget",
        [nameof(MeasurementOptions.WarmupRuns)] = "--warmup",
        [nameof(MeasurementOptions.WarmupSeconds)] = "--warmup-time",
        [nameof(SweepPlan.MaxAttempts)] = "--max-attempts",
        [nameof(SweepPlan.LeaseSeconds)] = "--lease",
        [nameof(SweepPlan.CvLimit)] = "--cv-limit",
    };

    /// <exception cref="PlanException">A value is malformed or out of range (names the option and the value).</exception>
    public static SweepPlan Build(PlanOptions options)
    {
        var plan = new SweepPlan
        {
            Grid = new BenchmarkGrid
            {
                Kernels = [.. ListParser.Names("--kernel", options.Kernel, KernelNames)],
                SeqLens = [.. ListParser.Integers("--n", options.N, 1)],
                Causal = [.. ListParser.Causal(options.Causal)],
                Passes = [.. ListParser.Names("--pass", options.Pass, AttentionPassNames.Spellings)],
                Batches = [.. ListParser.Integers("--batch", options.Batch, 1)],
                Heads = [.. ListParser.Integers("--heads", options.Heads, 1)],
                HeadDims = [.. ListParser.Integers("--d", options.D, 1)],
                Dtypes = [.. ListParser.Parsed("--dtype", options.Dtype, DtypeNames.Parse)],
                Distributions = [.. ListParser.Words("--dist", options.Dist)],
                Seed = options.Seed,
                Hyper = options.Hyper,
            },
            Measurement = Checked(() => MeasurementOptions.ForMinSamples(options.MinSamples, options.Budget, options.Warmup, options.WarmupTime)),
            MaxAttempts = options.MaxAttempts,
            LeaseSeconds = options.LeaseSeconds,
            Tag = string.IsNullOrWhiteSpace(options.Tag) ? null : options.Tag.Trim(),
            CvLimit = options.CvLimit,
        };
        Checked(() =>
        {
            plan.Validate();
            return plan;
        });
        return plan;
    }

    /// <summary>
    /// Refuses a dtype that none of <paramref name="deviceIds"/> implements (each backend's own answer, asked before a device is
    /// opened): such a case would only fail, or worse be computed in another type; and a pass none of them runs at a dtype
    /// (fwdbwd at a dtype without a backward, <see cref="BackendDtypes.Refusal(Dtype, AttentionPass, string)"/>).
    /// </summary>
    /// <exception cref="PlanException">Names the dtype and the backend.</exception>
    public static void RequireDtypes(BenchmarkGrid grid, IReadOnlyList<string> deviceIds)
    {
        foreach (var dtype in grid.Dtypes.Distinct())
        {
            if (!deviceIds.Any(id => BackendDtypes.For(id).Contains(dtype)))
                throw new PlanException("--dtype: " + string.Join(" ", deviceIds.Select(id => BackendDtypes.Refusal(dtype, id))));
            foreach (var pass in grid.Passes.Distinct())
            {
                var refusals = deviceIds.Select(id => BackendDtypes.Refusal(dtype, pass, id)).ToArray();
                if (refusals.All(r => r is not null)) throw new PlanException("--pass: " + string.Join(" ", refusals.Distinct()));
            }
        }
    }

    private static T Checked<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException ex)
        {
            string text = ErrorText.For(ex);
            throw new PlanException(ex.ParamName is { } field && Options.TryGetValue(field, out var option) ? $"{option}: {text}" : text);
        }
    }
}
