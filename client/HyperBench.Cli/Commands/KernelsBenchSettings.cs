using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class KernelsBenchSettings : PlanSettings
{
    [CommandOption("--time-limit <SECONDS>")]
    [Description("Stop starting new cases after this many seconds; the rest are reported as skipped. 0 = no limit. [grey](default: 0)[/]")]
    public double TimeLimit { get; init; }

    [CommandOption("--json <PATH>")]
    [Description("Where to write the JSON report. [grey](default: hyperbench-results/bench-<utc time>.json)[/]")]
    public string? Json { get; init; }

    [CommandOption("--dump <DIR>")]
    [Description("Also write each case's tensors (q, k, v, do in; o, lse, dq, dk, dv out) as .npy files with a manifest.json.")]
    public string? Dump { get; init; }

    [CommandOption("--dump-limit <ELEMENTS>")]
    [Description("Largest tensor --dump accepts, in elements. [grey](default: 16777216 = 64 MiB of fp32)[/]")]
    public long DumpLimit { get; init; } = Exporters.TensorDumpWriter.DefaultLimitElements;
}
