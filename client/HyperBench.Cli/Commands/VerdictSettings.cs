using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class VerdictLabelSettings : DbSettings
{
    [CommandArgument(0, "<COMPARISON_ID>")]
    [Description("The comparison (`hyperbench compare` prints it; `verdict list` lists them).")]
    public string ComparisonId { get; init; } = "";

    [CommandArgument(1, "<CASE_ID>")]
    [Description("The case of that comparison.")]
    public string CaseId { get; init; } = "";

    [CommandOption("--true-positive")]
    [Description("The case really regressed (on a verdict other than slower: a regression the detector missed).")]
    public bool TruePositive { get; init; }

    [CommandOption("--false-positive")]
    [Description("The case did not regress (on a slower verdict: a false alarm).")]
    public bool FalsePositive { get; init; }

    [CommandOption("--note <TEXT>")]
    [Description("Why (a commit, an issue, what was checked).")]
    public string? Note { get; init; }
}

public sealed class VerdictListSettings : DbSettings
{
    [CommandOption("--labelled")]
    [Description("Only labelled verdicts.")]
    public bool Labelled { get; init; }

    [CommandOption("--limit <N>")]
    [Description("Newest verdicts to list (1..100000). [grey](default: 50)[/]")]
    public int Limit { get; init; } = 50;

    [CommandOption("--format <FORMAT>")]
    [Description("table or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";
}

public sealed class VerdictStatsSettings : DbSettings
{
    [CommandOption("--format <FORMAT>")]
    [Description("table or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";
}
