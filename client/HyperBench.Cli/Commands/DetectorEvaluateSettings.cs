using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class DetectorEvaluateSettings : CommandSettings
{
    [CommandOption("--runs <N>")]
    [Description("Separate `kernels bench` processes of this build to run (2..1000); after the --calibration-runs, consecutive runs form the A/A pairs (61 runs: 50 pairs). [grey](default: 21)[/]")]
    public int Runs { get; init; } = 21;

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
    [Description("A side whose robust CV (1.4826 x MAD / median) is above this is noisy. [grey](default: 0.10)[/]")]
    public string CvLimit { get; init; } = "0.10";

    [CommandOption("--calibration-runs <N>")]
    [Description("The first N runs only calibrate (history for the noise floor); the A/A pairs are the runs after them, each pair's floor learned from the runs before its baseline. [grey](default: 10)[/]")]
    public int CalibrationRuns { get; init; } = 10;

    [CommandOption("--noise-k <K>")]
    [Description("A change must exceed k between-run standard deviations of the case's median (the noise floor), as in `compare`. [grey](default: 4)[/]")]
    public double NoiseK { get; init; } = 4;

    [CommandOption("--history <N>")]
    [Description("Most earlier runs a pair's noise floor is learned from (the newest), as in `compare`. [grey](default: 30)[/]")]
    public int History { get; init; } = 30;

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
