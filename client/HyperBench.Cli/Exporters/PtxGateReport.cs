using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Cli.Exporters;

/// <summary>`kernels ptx` output: the tool versions, the thresholds and one row per kernel.</summary>
public sealed record PtxGateReport(
    string Tool, string Command, DateTimeOffset CreatedUtc, string Architecture, string Ptxas, PtxGateThresholds Thresholds,
    IReadOnlyList<PtxGateRow> Kernels)
{
    public bool Passed => Kernels.All(k => k.Verdict.Passed);
}
