using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class SweepResumeSettings : DbSettings
{
    [CommandArgument(0, "<SWEEP_ID>")]
    [Description("The unfinished sweep to resume (`hyperbench results` lists sweeps and their status).")]
    public string SweepId { get; init; } = "";

    [CommandOption("--device <DEVICE>")]
    [Description("Devices of the in-process silo: auto, cpu, cuda:<i>, ilgpu-cpu, or a list. [grey](default: auto)[/]")]
    public string Device { get; init; } = "auto";

    [CommandOption("--cluster <ADDRESS>")]
    [Description("Resume on a running cluster: localhost:<gateway port>, or the PostgreSQL connection string of its membership table.")]
    public string? Cluster { get; init; }
}
