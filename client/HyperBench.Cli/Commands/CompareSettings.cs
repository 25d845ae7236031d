using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class CompareSettings : DbSettings
{
    [CommandArgument(0, "<BASELINE>")]
    [Description("A sweep id, tag:NAME (the newest completed sweep with that tag created before the candidate) or schedule:NAME (the schedule's run before its last).")]
    public string Baseline { get; init; } = "";

    [CommandArgument(1, "<CANDIDATE>")]
    [Description("A sweep id, tag:NAME (the newest completed sweep with that tag) or schedule:NAME (the schedule's last run).")]
    public string Candidate { get; init; } = "";

    [CommandOption("--format <FORMAT>")]
    [Description("table, markdown (for a pull-request comment) or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";

    [CommandOption("--threshold <CHANGE>")]
    [Description("Smallest change of the median that counts, 5% or 0.05. [grey](default: 5%)[/]")]
    public string Threshold { get; init; } = "5%";

    [CommandOption("--alpha <P>")]
    [Description("Significance level of the two-sided Mann-Whitney U test. [grey](default: 0.01)[/]")]
    public string Alpha { get; init; } = "0.01";

    [CommandOption("--cv-limit <CV>")]
    [Description("A side whose coefficient of variation is above this is noisy, 10% or 0.10. [grey](default: 0.10)[/]")]
    public string CvLimit { get; init; } = "0.10";

    [CommandOption("--error-threshold <RISE>")]
    [Description("HyperAttention's relative error regresses when it rises by more than this (relative), 10% or 0.10. [grey](default: 10%)[/]")]
    public string ErrorThreshold { get; init; } = "10%";

    [CommandOption("--error-floor <ABS>")]
    [Description("... and by more than this (absolute). [grey](default: 0.005)[/]")]
    public string ErrorFloor { get; init; } = "0.005";

    [CommandOption("--allow-mixed")]
    [Description("Compare sweeps measured on different device models, drivers or dtypes (refused otherwise).")]
    public bool AllowMixed { get; init; }
}
