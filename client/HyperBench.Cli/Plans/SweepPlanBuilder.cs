using HyperBench.Cli.Commands;
using HyperBench.Contracts;
using HyperBench.Kernels;

namespace HyperBench.Cli.Plans;

/// <summary>
/// Turns `sweep` options into a <see cref="SweepPlan"/>, with the embedded defaults: the full grid on a GPU, a reduced plan on
/// the CPU that finishes within a few minutes on 2 cores. Errors name the option and the value.
/// </summary>
public static class SweepPlanBuilder
{
    /// <summary>n = 4k..128k: the paper's range.</summary>
    public const string GpuSeqLens = "4k,8k,16k,32k,64k,128k";

    /// <summary>The CPU default: both kernels, both masks, both passes at three lengths (about a minute on 2 cores).</summary>
    public const string CpuSeqLens = "4k,8k,16k";

    public static SweepPlan Build(SweepSettings settings, bool gpu)
    {
        MeasurementSettings.Validate(settings);
        var hyper = new HyperParameters(settings.LshProjections, settings.BlockSize, settings.Samples, settings.MinSeqLen, settings.Sampling);
        KernelBenchPlan.ValidateHyper(hyper);
        var kernels = ListParser.Names("--kernel", settings.Kernel ?? "flash,hyper", new Dictionary<string, string> { ["flash"] = "flash", ["hyper"] = "hyper" });
        var ns = ListParser.Integers("--n", settings.N ?? (gpu ? GpuSeqLens : CpuSeqLens), 1);
        var masks = ListParser.Causal(settings.Causal);
        var passes = ListParser.Names("--pass", settings.Pass,
            new Dictionary<string, string> { ["fwd"] = "fwd", ["fwdbwd"] = "fwdbwd", ["fwd+bwd"] = "fwdbwd" });
        int batch = Single("--batch", ListParser.Integers("--batch", settings.Batch, 1));
        int heads = Single("--heads", ListParser.Integers("--heads", settings.Heads ?? "1", 1));
        var dims = ListParser.Integers("--d", settings.D, 1);
        foreach (int dim in dims)
        {
            if (!AttentionShape.SupportedHeadDims.Contains(dim))
                throw new PlanException($"--d: {dim} is not supported; supported head dimensions: {string.Join(", ", AttentionShape.SupportedHeadDims)}.");
        }
        var dtypes = ListParser.Names("--dtype", settings.Dtype, Kernels.Measurement.BenchmarkCase.SupportedDtypes.ToDictionary(x => x));
        var dists = ListParser.Names("--dist", settings.Dist, Kernels.Measurement.BenchmarkCase.SupportedDistributions.ToDictionary(x => x));
        if (settings.MaxAttempts < 1) throw new PlanException($"--max-attempts: {settings.MaxAttempts} must be >= 1.");
        if (!(settings.LeaseSeconds > 0) || double.IsInfinity(settings.LeaseSeconds)) throw new PlanException($"--lease: {settings.LeaseSeconds} must be > 0 seconds.");

        var plan = new SweepPlan
        {
            Kernels = [.. kernels],
            SeqLens = [.. ns],
            Causal = [.. masks],
            Passes = [.. passes],
            Batch = batch,
            Heads = heads,
            HeadDims = [.. dims],
            Dtypes = [.. dtypes],
            Distributions = [.. dists],
            Seed = settings.Seed,
            LshProjections = hyper.LshProjections,
            BlockSize = hyper.BlockSize,
            Samples = hyper.Samples,
            MinSeqLen = hyper.MinSeqLen,
            Sampling = hyper.Sampling,
            MinSamples = settings.MinSamples,
            BudgetSeconds = settings.Budget,
            WarmupRuns = settings.Warmup,
            WarmupSeconds = settings.WarmupTime,
            MaxAttempts = settings.MaxAttempts,
            LeaseSeconds = settings.LeaseSeconds,
            Tag = string.IsNullOrWhiteSpace(settings.Tag) ? null : settings.Tag.Trim(),
        };
        try
        {
            plan.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new PlanException(ErrorText.For(ex));
        }
        return plan;
    }

    private static int Single(string option, IReadOnlyList<int> values) =>
        values.Count == 1 ? values[0] : throw new PlanException($"{option}: a sweep takes one value, got {string.Join(",", values)}.");
}
