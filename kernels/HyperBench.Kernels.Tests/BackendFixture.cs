using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>One ILGPU CPU accelerator (and its compiled kernels) shared by all tests of the assembly: compiling is the slow part.</summary>
public sealed class BackendFixture : IDisposable
{
    private readonly Lazy<IlgpuBackend> _ilgpuCpu = new(IlgpuBackend.CreateCpu);
    private readonly Lock _gate = new();

    public IAttentionBackend IlgpuCpu => _ilgpuCpu.Value;

    public IAttentionBackend Cpu { get; } = new CpuBackend();

    /// <summary>ILGPU accelerators are not meant for concurrent launches from several test threads.</summary>
    public Lock Gate => _gate;

    /// <summary>Runs flash on the named backend ("cpu" or "ilgpu-cpu"), holding the ILGPU gate when needed.</summary>
    public HyperBench.Kernels.Attention.HostAttention.Result Run(string backend, AttentionShape shape, bool causal, float[] q, float[] k, float[] v, float[]? dO = null)
    {
        if (backend == "cpu") return HyperBench.Kernels.Attention.HostAttention.Run(Cpu, shape, causal, q, k, v, dO);
        lock (_gate) return HyperBench.Kernels.Attention.HostAttention.Run(IlgpuCpu, shape, causal, q, k, v, dO);
    }

    public void Dispose()
    {
        if (_ilgpuCpu.IsValueCreated) _ilgpuCpu.Value.Dispose();
        Cpu.Dispose();
    }
}
