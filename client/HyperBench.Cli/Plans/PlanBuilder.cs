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
        [nameof(HyperParameters.BucketOrder)] = "--bucket-order",
        [nameof(HyperParameters.Resample)] = "--resample",
        [nameof(HyperParameters.Gradient)] = "--grad",
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
                Hyper = WithVariants(options),
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
    /// The one place where options given, a preset and the command's defaults meet: for each option, the value given on the command
    /// line, else the preset's, else the default. An option is "given" when its settings property is not null (Spectre.Console.Cli
    /// leaves an option that was not typed at its initial value, so the plan options have no initial values of their own).
    /// </summary>
    public static PlanOptions Resolve(PlanLayer given, PlanPreset? preset, PlanDefaults defaults)
    {
        var p = preset?.Options ?? PlanLayer.None;
        var d = new PlanOptions { Kernel = defaults.Kernel, N = defaults.N, Heads = defaults.Heads };
        var h = d.Hyper;
        return d with
        {
            Kernel = given.Kernel ?? p.Kernel ?? d.Kernel,
            N = given.N ?? p.N ?? d.N,
            Causal = given.Causal ?? p.Causal ?? d.Causal,
            Pass = given.Pass ?? p.Pass ?? d.Pass,
            Batch = given.Batch ?? p.Batch ?? d.Batch,
            Heads = given.Heads ?? p.Heads ?? d.Heads,
            D = given.D ?? p.D ?? d.D,
            Dtype = given.Dtype ?? p.Dtype ?? d.Dtype,
            Dist = given.Dist ?? p.Dist ?? d.Dist,
            Seed = given.Seed ?? p.Seed ?? d.Seed,
            Hyper = new HyperParameters(
                given.LshProjections ?? p.LshProjections ?? h.LshProjections,
                given.BlockSize ?? p.BlockSize ?? h.BlockSize,
                given.Samples ?? p.Samples ?? h.Samples,
                given.MinSeqLen ?? p.MinSeqLen ?? h.MinSeqLen,
                given.Sampling ?? p.Sampling ?? h.Sampling),
            BucketOrder = given.BucketOrder ?? p.BucketOrder,
            Resample = given.Resample ?? p.Resample,
            Grad = given.Grad ?? p.Grad,
            ShortExact = given.ShortExact ?? p.ShortExact,
            MinSamples = given.MinSamples ?? p.MinSamples ?? d.MinSamples,
            Budget = given.Budget ?? p.Budget ?? d.Budget,
            Warmup = given.Warmup ?? p.Warmup ?? d.Warmup,
            WarmupTime = given.WarmupTime ?? p.WarmupTime ?? d.WarmupTime,
            Preset = preset,
        };
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

    /// <summary>The hyper parameters with the variant options parsed into them (HyperVariantNames' words; an unknown one names the option).</summary>
    private static HyperParameters WithVariants(PlanOptions options) => options.Hyper with
    {
        BucketOrder = options.BucketOrder is { } order ? Variant("--bucket-order", order, HyperVariantNames.ParseBucketOrder) : options.Hyper.BucketOrder,
        Resample = options.Resample is { } resample ? Variant("--resample", resample, HyperVariantNames.ParseResample) : options.Hyper.Resample,
        Gradient = options.Grad is { } grad ? Variant("--grad", grad, HyperVariantNames.ParseGradient) : options.Hyper.Gradient,
        ShortExact = options.ShortExact ?? options.Hyper.ShortExact,
    };

    private static T Variant<T>(string option, string text, Func<string, T> parse)
    {
        try
        {
            return parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new PlanException($"{option}: {ErrorText.For(ex)}");
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
