using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class KernelsPtxSettings : CommandSettings
{
    [CommandOption("--arch <SM>")]
    [Description("Target architecture: sm_80, sm_86, sm_89 or sm_90 (H100/H200). Occupancy uses that architecture's limits. [grey](default: sm_90)[/]")]
    public string Arch { get; init; } = "sm_90";

    [CommandOption("--ptxas <PATH>")]
    [Description("ptxas, or the directory holding ptxas and cuobjdump. [grey](default: $HYPERBENCH_CUDA_TOOLS, then PATH)[/]")]
    public string? Ptxas { get; init; }

    [CommandOption("--kernel <TEXT>")]
    [Description("Only kernels whose catalog name contains this text, e.g. [blue]flash.forward[/] or [blue]d128[/]. [grey](default: all)[/]")]
    public string? Kernel { get; init; }

    [CommandOption("--json <PATH>")]
    [Description("Also write the full report (every count, the thresholds, the verdicts) as JSON.")]
    public string? Json { get; init; }

    [CommandOption("--markdown <PATH>")]
    [Description("Also write the table and the failure reasons as Markdown.")]
    public string? Markdown { get; init; }

    [CommandOption("--keep <DIR>")]
    [Description("Keep each kernel's .ptx, .cubin, .sass and ptxas -v output in this directory.")]
    public string? Keep { get; init; }
}
