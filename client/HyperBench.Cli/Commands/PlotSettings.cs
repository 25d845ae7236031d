using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class PlotSettings : DbSettings
{
    [CommandArgument(0, "<SWEEP_ID>")]
    [Description("The sweep to plot (`hyperbench results` lists them).")]
    public string SweepId { get; init; } = "";

    [CommandOption("--out <FILE>")]
    [Description("PNG file to write. [grey](default: hyperbench-results/<sweep>.png)[/]")]
    public string? Out { get; init; }
}
