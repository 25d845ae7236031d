using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class DetectorEvaluateSettings : CommandSettings
{
    [CommandOption("--runs <N>")]
    [Description("Separate `kernels bench` processes of this build to run (2..1000); consecutive runs form the N - 1 A/A pairs. [grey](default: 11)[/]")]
    public int Runs { get; init; } = 11;

    [CommandOption("--kernel <LIST>")]
    [Description("Kernels each run measures, comma-separated. [grey](default: flash,hyper)[/]")]
    public string Kernel { get; init; } = "flash,hyper";

    [CommandOption("-n|--seq-len <LIST>")]
    [Description("Sequence lengths each run measures, comma-separated (cpu backend, causal false, fwd, batch 1, 1 head, d 64). [grey](default: 256)[/]")]
    public string N { get; init; } = "256";

    [CommandOption("--min-samples <N>")]
    [Description("Timed samples per case and run, at least what the test needs for its alpha (5 for 0.01). [grey](default: 15)[/]")]
    public int MinSamples { get; init; } = 15;

    [CommandOption("--budget <SECONDS>")]
    [Description("Keep sampling a case until this many seconds have passed (after --min-samples). [grey](default: 0.3)[/]")]
    public double Budget { get; init; } = 0.3;

    [CommandOption("--slowdowns <LIST>")]
    [Description("Slowdowns injected into copies of the real candidate samples (every sample multiplied by 1 + s), comma-separated. [grey](default: 5%,10%,20%)[/]")]
    public string Slowdowns { get; init; } = "5%,10%,20%";

    [CommandOption("--thresholds <LIST>")]
    [Description("Effect thresholds (smallest change of the median that counts) to evaluate, comma-separated. [grey](default: 2%,5%,10%)[/]")]
    public string Thresholds { get; init; } = "2%,5%,10%";

    [CommandOption("--alpha <P>")]
    [Description("Significance level of the two-sided Mann-Whitney U test. [grey](default: 0.01)[/]")]
    public string Alpha { get; init; } = "0.01";

    [CommandOption("--cv-limit <CV>")]
    [Description("A side whose coefficient of variation is above this is noisy. [grey](default: 0.10)[/]")]
    public string CvLimit { get; init; } = "0.10";

    [CommandOption("--format <FORMAT>")]
    [Description("table or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";

    [CommandOption("--keep <DIR>")]
    [Description("Keep each run's `kernels bench` JSON report in this directory (run-0000.json, ...) to evaluate again with --from-runs.")]
    public string? Keep { get; init; }

    [CommandOption("--from-runs <DIR>")]
    [Description("Measure nothing: evaluate the run-*.json reports a previous --keep left in this directory (in name order).")]
    public string? FromRuns { get; init; }
}
