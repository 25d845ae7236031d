using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class SimCalibrateSettings : DbSettings
{
    [CommandOption("--from-sweep <SWEEP_ID>")]
    [Description("The stored real sweep whose medians the model is fitted to (`hyperbench results` lists them).")]
    public string? FromSweep { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("The model file to write (JSON); HyperBench:SimModel names it for a silo's sim:i devices.")]
    public string? Out { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("The model's name: simulated devices report the model \"simulated (NAME)\". [grey](default: the file name without .json)[/]")]
    public string? Name { get; init; }

    [CommandOption("--noise-cv <CV>")]
    [Description("Multiplicative noise of each simulated sample, as a coefficient of variation in [0, 1). [grey](default: the sweep's median CV)[/]")]
    public double? NoiseCv { get; init; }
}
