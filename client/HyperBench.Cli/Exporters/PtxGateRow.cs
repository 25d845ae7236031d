using HyperBench.Kernels.Backends.Ilgpu.Ptx;

namespace HyperBench.Cli.Exporters;

/// <summary>One kernel's figures and its gate verdict.</summary>
public sealed record PtxGateRow(KernelPtxReport Report, PtxGateVerdict Verdict);
