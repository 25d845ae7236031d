using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class ResultsSettings : DbSettings
{
    [CommandArgument(0, "[SWEEP_ID]")]
    [Description("A sweep to show; without it, the stored sweeps are listed (newest first).")]
    public string? SweepId { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table, csv, json or markdown. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";

    [CommandOption("--out <FILE>")]
    [Description("Write to this file instead of the console (csv, json, markdown).")]
    public string? Out { get; init; }

    [CommandOption("--limit <N>")]
    [Description("Sweeps to list. [grey](default: 50)[/]")]
    public int Limit { get; init; } = 50;
}
