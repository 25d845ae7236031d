using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class DevicesSettings : CommandSettings
{
    [CommandOption("--cluster <ADDRESS>")]
    [Description("A running cluster (localhost:<gateway port>, or its PostgreSQL membership connection string). Without it: the devices an in-process silo on this machine would own.")]
    public string? Cluster { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("Without --cluster: which devices to open (auto, cpu, cuda:<i>, ilgpu-cpu, or a list). [grey](default: auto)[/]")]
    public string Device { get; init; } = "auto";
}
