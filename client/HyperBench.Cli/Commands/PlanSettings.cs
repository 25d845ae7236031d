using System.ComponentModel;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>The options that describe what to measure and how, shared by `kernels bench` and `sweep`.</summary>
public class PlanSettings : CommandSettings
{
    [CommandOption("--kernel <LIST>")]
    [Description("Kernels to run, comma-separated: flash, hyper (HyperAttention; flash,hyper adds a speed-up and accuracy table). [grey](default: flash for kernels bench, flash,hyper for sweep)[/]")]
    public string? Kernel { get; init; }

    [CommandOption("-n|--seq-len <LIST>")]
    [Description("Sequence lengths, comma-separated; 4k = 4096. Also spelled --n. [grey](default: 4k..128k on a GPU; on the CPU 4k,8k,16k for sweep, 1k,2k,4k for kernels bench)[/]")]
    public string? N { get; init; }

    [CommandOption("--causal <MODE>")]
    [Description("true, false or both. [grey](default: both)[/]")]
    public string? Causal { get; init; }

    [CommandOption("--pass <LIST>")]
    [Description("fwd, fwdbwd (forward+backward), bwd (backward alone, after an untimed forward), comma-separated. [grey](default: fwd,fwdbwd)[/]")]
    public string? Pass { get; init; }

    [CommandOption("--batch <LIST>")]
    [Description("Batch sizes, comma-separated. [grey](default: 1)[/]")]
    public string? Batch { get; init; }

    [CommandOption("--heads <LIST>")]
    [Description("Head counts, comma-separated. [grey](default: sweep 1; kernels bench 32 on a GPU, 2 on the CPU)[/]")]
    public string? Heads { get; init; }

    [CommandOption("-d|--head-dim <LIST>")]
    [Description("Head dimensions: 64, 128. Also spelled --d. [grey](default: 64)[/]")]
    public string? D { get; init; }

    [CommandOption("--dtype <LIST>")]
    [Description("Storage types, comma-separated: fp32, tf32x3, bf16, fp16; the ILGPU backends (cuda, ilgpu-cpu) run all four, forward and forward+backward (tf32x3, bf16, fp16 on tensor cores); cpu runs fp32; what a device's backend does not implement is refused. [grey](default: fp32)[/]")]
    public string? Dtype { get; init; }

    [CommandOption("--dist <LIST>")]
    [Description("Input distributions, comma-separated: normal (i.i.d. N(0,1)), planted (each query aimed at one key), clustered (rows around a few centres). [grey](default: normal)[/]")]
    public string? Dist { get; init; }

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the generated inputs and of HyperAttention's projections and samples. [grey](default: 1)[/]")]
    public ulong? Seed { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cuda, cuda:<i>, ilgpu-cpu (the ILGPU kernels on ILGPU's CPU accelerator: slow, for correctness), cpu (managed vectorised backend). [grey](default: auto = cuda when present, else cpu)[/]")]
    public string Device { get; init; } = "auto";

    [CommandOption("--min-samples|--repeat <N>")]
    [Description("Minimum timed samples per case. [grey](default: 5)[/]")]
    public int? MinSamples { get; init; }

    [CommandOption("--budget <SECONDS>")]
    [Description("Keep sampling a case until this many seconds have passed (after --min-samples). [grey](default: 1)[/]")]
    public double? Budget { get; init; }

    [CommandOption("--warmup <N>")]
    [Description("Untimed runs after the first (compiling) run. [grey](default: 1)[/]")]
    public int? Warmup { get; init; }

    [CommandOption("--warmup-time <SECONDS>")]
    [Description("Keep warming up until this long after the first run (lets the JIT optimise the CPU kernels). [grey](default: 0.5)[/]")]
    public double? WarmupTime { get; init; }

    [CommandOption("--lsh-projections <R>")]
    [Description("HyperAttention: r Gaussian projections of sortLSH (2^r buckets), 1..16. [grey](default: 7)[/]")]
    public int? LshProjections { get; init; }

    [CommandOption("--block-size <B>")]
    [Description("HyperAttention: rows per block of the block-diagonal part, a power of two. [grey](default: 256)[/]")]
    public int? BlockSize { get; init; }

    [CommandOption("--samples <M>")]
    [Description("HyperAttention: sampled keys per (batch, head). [grey](default: 256)[/]")]
    public int? Samples { get; init; }

    [CommandOption("--min-seq-len <N>")]
    [Description("HyperAttention, causal: the recursion uses exact causal flash at or below this length. [grey](default: 4096)[/]")]
    public int? MinSeqLen { get; init; }

    [CommandOption("--sampling <MODE>")]
    [Description("HyperAttention: uniform (the authors' code) or value-norm (by ||v_j||^2, the paper). [grey](default: uniform)[/]")]
    public string? Sampling { get; init; }

    [CommandOption("--bucket-order <ORDER>")]
    [Description("HyperAttention: how sortLSH orders buckets: rank (by position in the Gray sequence: neighbouring buckets differ in one bit) or gray (by c ^ (c >> 1), the authors' code); docs/variants.md. [grey](default: rank)[/]")]
    public string? BucketOrder { get; init; }

    [CommandOption("--resample <WHEN>")]
    [Description("HyperAttention: draw the sampled keys once per case (once) or anew on every run (per-run, the authors' code); docs/variants.md. [grey](default: once)[/]")]
    public string? Resample { get; init; }

    [CommandOption("--short-exact")]
    [Description("HyperAttention: run non-causal problems shorter than --min-seq-len exactly, as the authors' code does; docs/variants.md. [grey](default: off)[/]")]
    public bool ShortExact { get; init; }

    [CommandOption("--grad <RULE>")]
    [Description("HyperAttention's backward: exact (the gradient of the approximation) or detached-lse (the authors' rule: lse held constant, dQ and dK miss a term); docs/variants.md. [grey](default: exact)[/]")]
    public string? Grad { get; init; }

    [CommandOption("--preset <NAME>")]
    [Description("Start from a named plan: paper (the HyperAttention paper's benchmark: n 1k..128k, batch 1, heads 12, d 64, r 7, b = m = 256, min_seq_len 4096, uniform, causal and not, fwd, bwd and fwdbwd, flash and hyper). Options given explicitly win (e.g. --heads 32, --n 1k,2k); docs/plans.md.")]
    public string? Preset { get; init; }

    /// <summary>The plan options typed on the command line (null: not given), one layer of <see cref="PlanBuilder.Resolve"/>.</summary>
    public PlanLayer Given() => new()
    {
        Kernel = Kernel,
        N = N,
        Causal = Causal,
        Pass = Pass,
        Batch = Batch,
        Heads = Heads,
        D = D,
        Dtype = Dtype,
        Dist = Dist,
        Seed = Seed,
        LshProjections = LshProjections,
        BlockSize = BlockSize,
        Samples = Samples,
        MinSeqLen = MinSeqLen,
        Sampling = Sampling,
        BucketOrder = BucketOrder,
        Resample = Resample,
        ShortExact = ShortExact ? true : null,
        Grad = Grad,
        MinSamples = MinSamples,
        Budget = Budget,
        Warmup = Warmup,
        WarmupTime = WarmupTime,
    };

    /// <summary>
    /// The options as the plan builder takes them: those given, over the preset's (--preset), over <paramref name="defaults"/>.
    /// </summary>
    /// <exception cref="PlanException">--preset names no preset.</exception>
    public PlanOptions ToPlanOptions(PlanDefaults defaults) => PlanBuilder.Resolve(Given(), Presets.Find(Preset), defaults);
}
