using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class CurvesSettings : DbSettings
{
    [CommandArgument(0, "<SWEEP_ID>")]
    [Description("The sweep whose curves to fit (`hyperbench results` lists them).")]
    public string SweepId { get; init; } = "";

    [CommandOption("--against <SWEEP_ID>")]
    [Description("Compare with this sweep. [grey](default: the newest earlier sweep with the same plan and device model; none: no comparison)[/]")]
    public string? Against { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";
}
