using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class KernelsBenchSettings : CommandSettings
{
    [CommandOption("--kernel <LIST>")]
    [Description("Kernels to run, comma-separated: flash. [grey](default: flash)[/]")]
    public string Kernel { get; init; } = "flash";

    [CommandOption("-n|--seq-len <LIST>")]
    [Description("Sequence lengths, comma-separated; 4k = 4096. Also spelled --n. [grey](default: 4k..128k on a GPU; 1k,2k,4k on the CPU)[/]")]
    public string? N { get; init; }

    [CommandOption("--causal <MODE>")]
    [Description("true, false or both. [grey](default: both)[/]")]
    public string Causal { get; init; } = "both";

    [CommandOption("--pass <LIST>")]
    [Description("fwd, fwdbwd (forward+backward), comma-separated. [grey](default: fwd,fwdbwd)[/]")]
    public string Pass { get; init; } = "fwd,fwdbwd";

    [CommandOption("--batch <LIST>")]
    [Description("Batch sizes. [grey](default: 1)[/]")]
    public string Batch { get; init; } = "1";

    [CommandOption("--heads <LIST>")]
    [Description("Head counts. [grey](default: 32 on a GPU, 2 on the CPU)[/]")]
    public string? Heads { get; init; }

    [CommandOption("-d|--head-dim <LIST>")]
    [Description("Head dimensions: 64, 128. Also spelled --d. [grey](default: 64)[/]")]
    public string D { get; init; } = "64";

    [CommandOption("--dtype <LIST>")]
    [Description("Storage type: fp32. [grey](default: fp32)[/]")]
    public string Dtype { get; init; } = "fp32";

    [CommandOption("--dist <LIST>")]
    [Description("Input distribution: normal (i.i.d. N(0,1)). [grey](default: normal)[/]")]
    public string Dist { get; init; } = "normal";

    [CommandOption("--seed <SEED>")]
    [Description("Seed of the generated inputs. [grey](default: 1)[/]")]
    public ulong Seed { get; init; } = 1;

    [CommandOption("--device <DEVICE>")]
    [Description("auto, cuda, cuda:<i>, ilgpu-cpu (the ILGPU kernels on ILGPU's CPU accelerator: slow, for correctness), cpu (managed vectorised backend). [grey](default: auto = cuda when present, else cpu)[/]")]
    public string Device { get; init; } = "auto";

    [CommandOption("--min-samples <N>")]
    [Description("Minimum timed samples per case. [grey](default: 5)[/]")]
    public int MinSamples { get; init; } = 5;

    [CommandOption("--budget <SECONDS>")]
    [Description("Keep sampling a case until this many seconds have passed (after --min-samples). [grey](default: 1)[/]")]
    public double Budget { get; init; } = 1.0;

    [CommandOption("--warmup <N>")]
    [Description("Untimed runs after the first (compiling) run. [grey](default: 1)[/]")]
    public int Warmup { get; init; } = 1;

    [CommandOption("--warmup-time <SECONDS>")]
    [Description("Keep warming up until this long after the first run (lets the JIT optimise the CPU kernels). [grey](default: 0.5)[/]")]
    public double WarmupTime { get; init; } = 0.5;

    [CommandOption("--time-limit <SECONDS>")]
    [Description("Stop starting new cases after this many seconds; the rest are reported as skipped. 0 = no limit. [grey](default: 0)[/]")]
    public double TimeLimit { get; init; }

    [CommandOption("--json <PATH>")]
    [Description("Where to write the JSON report. [grey](default: hyperbench-results/bench-<utc time>.json)[/]")]
    public string? Json { get; init; }

    [CommandOption("--dump <DIR>")]
    [Description("Also write each case's tensors (q, k, v, do in; o, lse, dq, dk, dv out) as .npy files with a manifest.json.")]
    public string? Dump { get; init; }

    [CommandOption("--dump-limit <ELEMENTS>")]
    [Description("Largest tensor --dump accepts, in elements. [grey](default: 16777216 = 64 MiB of fp32)[/]")]
    public long DumpLimit { get; init; } = Exporters.TensorDumpWriter.DefaultLimitElements;
}
