namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>One kernel's gate result: each failed check as a sentence naming the figure and its limit.</summary>
public sealed record PtxGateVerdict(string Kernel, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}
