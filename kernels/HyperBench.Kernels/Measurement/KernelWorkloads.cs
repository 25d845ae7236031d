using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>Builds the workload for a case's kernel.</summary>
public static class KernelWorkloads
{
    public static IKernelWorkload Create(IAttentionBackend backend, BenchmarkCase benchmarkCase) => benchmarkCase.Kernel switch
    {
        KernelKind.Flash => new FlashWorkload(backend, benchmarkCase),
        KernelKind.Hyper => new HyperWorkload(backend, benchmarkCase),
        _ => throw new ArgumentOutOfRangeException(nameof(benchmarkCase), benchmarkCase.Kernel, $"kernel '{benchmarkCase.Kernel}' is not implemented."),
    };
}
