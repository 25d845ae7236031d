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

    /// <summary>
    /// One plan over explicit segments (rows x d tensors, a per-key bias) on the ILGPU CPU accelerator: the forward, and the
    /// backward when <paramref name="dO"/> is given. Returns O, lse and the gradients (null without dO).
    /// </summary>
    public HyperBench.Kernels.Attention.HostAttention.Result RunPlan(IReadOnlyList<AttentionSegment> segments, int d, float scale, int rows,
        float[] q, float[] k, float[] v, float[] bias, float[]? dO = null)
    {
        var backend = IlgpuCpu;
        var o = new float[rows * d];
        var lse = new float[rows];
        float[]? dq = dO is null ? null : new float[rows * d], dk = dO is null ? null : new float[rows * d], dv = dO is null ? null : new float[rows * d];
        lock (_gate)
        {
            using var plan = backend.CreatePlan(segments, d, scale);
            using var tq = backend.Upload(q);
            using var tk = backend.Upload(k);
            using var tv = backend.Upload(v);
            using var tb = backend.Upload(bias);
            using var to = backend.Allocate(rows * d);
            using var tl = backend.Allocate(rows);
            plan.Forward(tq, tk, tv, tb, to, tl);
            if (dO is not null)
            {
                using var tdo = backend.Upload(dO);
                using var gq = backend.Allocate(rows * d);
                using var gk = backend.Allocate(rows * d);
                using var gv = backend.Allocate(rows * d);
                plan.Backward(tq, tk, tv, tb, to, tl, tdo, gq, gk, gv);
                backend.Synchronize();
                backend.Download(gq, dq);
                backend.Download(gk, dk);
                backend.Download(gv, dv);
            }
            backend.Synchronize();
            backend.Download(to, o);
            backend.Download(tl, lse);
        }
        return new HyperBench.Kernels.Attention.HostAttention.Result(o, lse, dq, dk, dv);
    }

    public void Dispose()
    {
        if (_ilgpuCpu.IsValueCreated) _ilgpuCpu.Value.Dispose();
        Cpu.Dispose();
    }
}
