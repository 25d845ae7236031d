using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class HistorySettings : DbSettings
{
    [CommandOption("--kernel <LIST>")]
    [Description("Only these kernels (flash, hyper).")]
    public string? Kernel { get; init; }

    [CommandOption("-n|--seq-len <LIST>")]
    [Description("Only these sequence lengths (4096, 4k, ...).")]
    public string? N { get; init; }

    [CommandOption("--causal <VALUE>")]
    [Description("true, false or both. [grey](default: both)[/]")]
    public string? Causal { get; init; }

    [CommandOption("--pass <LIST>")]
    [Description("Only these passes (fwd, fwdbwd, bwd).")]
    public string? Pass { get; init; }

    [CommandOption("--dtype <LIST>")]
    [Description("Only these dtypes (fp32, tf32x3, bf16, fp16).")]
    public string? Dtype { get; init; }

    [CommandOption("--device-model <NAME>")]
    [Description("Only results measured on this device model, as `results` shows it (e.g. \"NVIDIA H200\"); comma-separated for several.")]
    public string? DeviceModel { get; init; }

    [CommandOption("--tag <NAME>")]
    [Description("Only sweeps with this tag (sweep --tag).")]
    public string? Tag { get; init; }

    [CommandOption("--schedule <NAME>")]
    [Description("Only runs of this schedule (needs schedules set up).")]
    public string? Schedule { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table, json or csv. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";

    [CommandOption("--out <FILE>")]
    [Description("Write json or csv to this file instead of the console.")]
    public string? Out { get; init; }

    [CommandOption("--plot <FILE>")]
    [Description("Also write a PNG: medians over time per case, change points marked.")]
    public string? Plot { get; init; }

    [CommandOption("--only-changes")]
    [Description("Show only the cases with a change point (the table, json, csv and plot).")]
    public bool OnlyChanges { get; init; }

    [CommandOption("--min-change <PERCENT>")]
    [Description("Smallest step of the mean kept as a change point, in percent. [grey](default: 5)[/]")]
    public double MinChangePercent { get; init; } = 5;

    [CommandOption("--max-p <P>")]
    [Description("Significance level of the permutation test and of the merge's t-test. [grey](default: 0.01)[/]")]
    public double MaxPValue { get; init; } = 0.01;

    [CommandOption("--window <POINTS>")]
    [Description("Runs per e-divisive window (windows overlap by half). [grey](default: 30)[/]")]
    public int Window { get; init; } = 30;
}
