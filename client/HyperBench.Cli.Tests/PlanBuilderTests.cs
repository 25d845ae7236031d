using HyperBench.Cli.Commands;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;

namespace HyperBench.Cli.Tests;

/// <summary>The one plan path of `kernels bench` and `sweep`: same options, same cases in the same order; every axis checked once, naming the option.</summary>
public sealed class PlanBuilderTests
{
    [Fact]
    public void Build_SameOptionsFromBothCommands_SameCasesInSameOrder_KernelInnermost()
    {
        var bench = new KernelsBenchSettings
        {
            Kernel = "hyper,flash", N = "2k,1k", Causal = "both", Pass = "fwd,fwdbwd", Batch = "1,2", Heads = "2", D = "64,128", Dist = "normal,planted", Seed = 3,
        };
        var sweep = new SweepSettings
        {
            Kernel = "hyper,flash", N = "2k,1k", Causal = "both", Pass = "fwd,fwdbwd", Batch = "1,2", Heads = "2", D = "64,128", Dist = "normal,planted", Seed = 3,
        };

        var benchCases = PlanBuilder.Build(bench.ToPlanOptions(PlanDefaults.KernelsBench(gpu: false))).Grid.Expand();
        var sweepCases = PlanBuilder.Build(sweep.ToPlanOptions(gpu: false)).Grid.Expand();

        Assert.Equal(128, benchCases.Count); // kernel, n, causal, pass, batch, d, dist: two values each
        Assert.Equal(benchCases.Select(c => c.Id), sweepCases.Select(c => c.Id));
        // Kernel innermost (in the order given), then n ascending: hyper and flash of the same n side by side.
        Assert.Equal([KernelKind.Hyper, KernelKind.Flash, KernelKind.Hyper, KernelKind.Flash], benchCases.Take(4).Select(c => c.Kernel));
        Assert.Equal([1024, 1024, 2048, 2048], benchCases.Take(4).Select(c => c.N));
        Assert.Equal(1, benchCases[0].Batch);
        Assert.Equal(2, benchCases[^1].Batch);
    }

    [Fact]
    public void Build_DefaultsPerCommand_SweepBothKernelsOneHead_BenchFlashTwoHeads()
    {
        var sweep = PlanBuilder.Build(new SweepSettings().ToPlanOptions(gpu: false));
        var bench = PlanBuilder.Build(new KernelsBenchSettings().ToPlanOptions(PlanDefaults.KernelsBench(gpu: false)));

        Assert.Equal([KernelKind.Flash, KernelKind.Hyper], sweep.Grid.Kernels);
        Assert.Equal([4096, 8192, 16384], sweep.Grid.SeqLens);
        Assert.Equal([1], sweep.Grid.Heads);
        Assert.Equal([KernelKind.Flash], bench.Grid.Kernels);
        Assert.Equal([1024, 2048, 4096], bench.Grid.SeqLens);
        Assert.Equal([2], bench.Grid.Heads);
        Assert.Equal(1000, sweep.Measurement.MaxSamples);
    }

    [Theory]
    [InlineData("--kernel", "--kernel: 'sparse' is not valid")]
    [InlineData("--n", "--n: 0 is out of range")]
    [InlineData("--causal", "--causal: 'maybe' is not valid")]
    [InlineData("--pass", "--pass: 'back' is not valid")]
    [InlineData("--batch", "--batch: 0 is out of range")]
    [InlineData("--heads", "--heads: 'x' is not an integer")]
    [InlineData("--d", "--d: 96 is not supported")]
    [InlineData("--dtype", "--dtype: 'fp8' is not a dtype")]
    [InlineData("--dist", "--dist: 'uniformish' is not valid")]
    [InlineData("--lsh-projections", "--lsh-projections: LSH projections r = 99")]
    [InlineData("--block-size", "--block-size: block size b = 100")]
    [InlineData("--samples", "--samples: samples m = 0")]
    [InlineData("--min-seq-len", "--min-seq-len: min_seq_len = 0")]
    [InlineData("--sampling", "--sampling: sampling 'rows'")]
    [InlineData("--bucket-order", "--bucket-order: 'zigzag' is not a bucket order; use one of: rank, gray.")]
    [InlineData("--resample", "--resample: 'always' is not a resample; use one of: once, per-run.")]
    [InlineData("--grad", "--grad: 'approx' is not a gradient; use one of: exact, detached-lse.")]
    [InlineData("--min-samples", "--min-samples: 0 must be >= 1")]
    [InlineData("--budget", "--budget: -1 must be >= 0 seconds")]
    [InlineData("--warmup", "--warmup: -1 must be >= 0")]
    [InlineData("--warmup-time", "--warmup-time: NaN must be >= 0 seconds")]
    [InlineData("--max-attempts", "--max-attempts: 0 must be >= 1")]
    [InlineData("--lease", "--lease: Infinity must be > 0 seconds")]
    public void Build_BadValueInOneAxis_RefusedNamingTheOption(string option, string expected)
    {
        var ok = new SweepSettings().ToPlanOptions(gpu: false);
        var options = option switch
        {
            "--kernel" => ok with { Kernel = "flash,sparse" },
            "--n" => ok with { N = "1k,0" },
            "--causal" => ok with { Causal = "maybe" },
            "--pass" => ok with { Pass = "fwd,back" },
            "--batch" => ok with { Batch = "0" },
            "--heads" => ok with { Heads = "x" },
            "--d" => ok with { D = "64,96" },
            "--dtype" => ok with { Dtype = "fp32,fp8" },
            "--dist" => ok with { Dist = "normal,uniformish" },
            "--lsh-projections" => ok with { Hyper = HyperParameters.Default with { LshProjections = 99 } },
            "--block-size" => ok with { Hyper = HyperParameters.Default with { BlockSize = 100 } },
            "--samples" => ok with { Hyper = HyperParameters.Default with { Samples = 0 } },
            "--min-seq-len" => ok with { Hyper = HyperParameters.Default with { MinSeqLen = 0 } },
            "--sampling" => ok with { Hyper = HyperParameters.Default with { Sampling = "rows" } },
            "--bucket-order" => ok with { BucketOrder = "zigzag" },
            "--resample" => ok with { Resample = "always" },
            "--grad" => ok with { Grad = "approx" },
            "--min-samples" => ok with { MinSamples = 0 },
            "--budget" => ok with { Budget = -1 },
            "--warmup" => ok with { Warmup = -1 },
            "--warmup-time" => ok with { WarmupTime = double.NaN },
            "--max-attempts" => ok with { MaxAttempts = 0 },
            "--lease" => ok with { LeaseSeconds = double.PositiveInfinity },
            _ => throw new ArgumentOutOfRangeException(nameof(option)),
        };

        var ex = Assert.Throws<PlanException>(() => PlanBuilder.Build(options));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_TensorTooLarge_NamesTheCase()
    {
        var options = new KernelsBenchSettings { N = "128k", Causal = "false", Pass = "fwd", Batch = "4", Heads = "64", D = "128" }
            .ToPlanOptions(PlanDefaults.KernelsBench(gpu: false));

        var ex = Assert.Throws<PlanException>(() => PlanBuilder.Build(options));

        Assert.Contains("n=131072", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequireDtypes_NoDeviceImplementsIt_RefusedNamingDtypeAndBackend()
    {
        var plan = PlanBuilder.Build(new SweepSettings { Dtype = "fp32,bf16" }.ToPlanOptions(gpu: false));

        var ex = Assert.Throws<PlanException>(() => PlanBuilder.RequireDtypes(plan.Grid, ["cpu"]));

        Assert.Equal("--dtype: dtype bf16 is not implemented by the cpu backend (it implements: fp32).", ex.Message);
        PlanBuilder.RequireDtypes(plan.Grid with { Dtypes = [Dtype.Fp32] }, ["cpu", "ilgpu-cpu"]);
    }

    [Fact]
    public void Preset_Paper_ExpandsToExactlyTheDocumentedGrid_InBothCommands()
    {
        var sweep = PlanBuilder.Build(new SweepSettings { Preset = "paper" }.ToPlanOptions(gpu: false));
        var bench = PlanBuilder.Build(new KernelsBenchSettings { Preset = "Paper" }.ToPlanOptions(PlanDefaults.KernelsBench(gpu: true)));

        foreach (var grid in new[] { sweep.Grid, bench.Grid })
        {
            Assert.Equal([KernelKind.Flash, KernelKind.Hyper], grid.Kernels);
            Assert.Equal([1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072], grid.SeqLens);
            Assert.Equal([false, true], grid.Causal);
            Assert.Equal([AttentionPass.Forward, AttentionPass.Backward, AttentionPass.ForwardBackward], grid.Passes);
            Assert.Equal([1], grid.Batches);
            Assert.Equal([12], grid.Heads);
            Assert.Equal([64], grid.HeadDims);
            Assert.Equal([Dtype.Fp32], grid.Dtypes);
            Assert.Equal(new HyperParameters(7, 256, 256, 4096, "uniform"), grid.Hyper);
            Assert.Equal(2 * 8 * 2 * 3, grid.Expand().Count);
        }
        Assert.Equal(sweep.Grid.Expand().Select(c => c.Id), bench.Grid.Expand().Select(c => c.Id));
        // What the preset leaves alone keeps the command's default: measurement settings, dtype, inputs, seed.
        Assert.Equal(new SweepSettings().ToPlanOptions(gpu: false).MinSamples, sweep.Measurement.MinSamples);
    }

    [Fact]
    public void Preset_HeadsAndNGiven_WinOverThePreset_TheRestStaysThePresets()
    {
        var options = new SweepSettings { Preset = "paper", Heads = "32", N = "1k,2k,4k,8k,16k", LshProjections = 6 }.ToPlanOptions(gpu: false);

        var grid = PlanBuilder.Build(options).Grid;

        Assert.Equal([32], grid.Heads);
        Assert.Equal([1024, 2048, 4096, 8192, 16384], grid.SeqLens);
        Assert.Equal(6, grid.Hyper.LshProjections);
        Assert.Equal((256, 256, 4096), (grid.Hyper.BlockSize, grid.Hyper.Samples, grid.Hyper.MinSeqLen));
        Assert.Equal([AttentionPass.Forward, AttentionPass.Backward, AttentionPass.ForwardBackward], grid.Passes);
        Assert.Equal("paper", options.Preset?.Name);
    }

    [Fact]
    public void Preset_Unknown_RefusedNamingItAndListingTheKnownOnes()
    {
        var ex = Assert.Throws<PlanException>(() => new KernelsBenchSettings { Preset = "papers" }.ToPlanOptions(PlanDefaults.KernelsBench(gpu: false)));

        Assert.Equal("--preset: 'papers' is not a preset; known presets: paper.", ex.Message);
    }

    [Theory]
    [InlineData("--bucket-order", ";order=gray")]
    [InlineData("--resample", ";resample=per-run")]
    [InlineData("--short-exact", ";short_exact=1")]
    [InlineData("--grad", ";grad=detached-lse")]
    public void VariantOption_ChangesTheHyperCaseIdOnly_AndReachesTheParameters(string option, string canonical)
    {
        var plain = new SweepSettings { N = "4k", Causal = "false", Pass = "fwd" };
        var variant = option switch
        {
            "--bucket-order" => new SweepSettings { N = "4k", Causal = "false", Pass = "fwd", BucketOrder = "gray" },
            "--resample" => new SweepSettings { N = "4k", Causal = "false", Pass = "fwd", Resample = "per-run" },
            "--short-exact" => new SweepSettings { N = "4k", Causal = "false", Pass = "fwd", ShortExact = true },
            "--grad" => new SweepSettings { N = "4k", Causal = "false", Pass = "fwd", Grad = "detached-lse" },
            _ => throw new ArgumentOutOfRangeException(nameof(option)),
        };

        var before = PlanBuilder.Build(plain.ToPlanOptions(gpu: false)).Grid.Expand();
        var after = PlanBuilder.Build(variant.ToPlanOptions(gpu: false)).Grid.Expand();

        Assert.Equal(before.Single(c => c.Kernel == KernelKind.Flash).Id, after.Single(c => c.Kernel == KernelKind.Flash).Id);
        var hyper = after.Single(c => c.Kernel == KernelKind.Hyper);
        Assert.NotEqual(before.Single(c => c.Kernel == KernelKind.Hyper).Id, hyper.Id);
        Assert.EndsWith(canonical, hyper.HyperOrDefault.Canonical, StringComparison.Ordinal);
    }

    [Fact]
    public void VariantOptions_DefaultsSpelledOut_SameIdsAsNotGiven()
    {
        var plain = new SweepSettings { N = "4k" };
        var spelled = new SweepSettings { N = "4k", BucketOrder = "rank", Resample = "once", Grad = "exact" };

        Assert.Equal(PlanBuilder.Build(plain.ToPlanOptions(gpu: false)).Grid.Expand().Select(c => c.Id),
            PlanBuilder.Build(spelled.ToPlanOptions(gpu: false)).Grid.Expand().Select(c => c.Id));
    }
}
