using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>A flash case ready to time: inputs of the case's distribution uploaded, outputs allocated.</summary>
internal sealed class FlashWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase) : IKernelWorkload
{
    private readonly CaseDeviceTensors _t = new(backend, benchmarkCase);
    private readonly FlashAttention _flash = new(backend, benchmarkCase.Shape(), benchmarkCase.Causal);

    public void Run()
    {
        _flash.Forward(_t.Q, _t.K, _t.V, _t.O, _t.Lse);
        if (_t.Backward) _flash.Backward(_t.Q, _t.K, _t.V, _t.O, _t.Lse, _t.DO!, _t.DQ!, _t.DK!, _t.DV!);
    }

    public CaseTensors Download() => _t.Download();

    public void Dispose()
    {
        _flash.Dispose();
        _t.Dispose();
    }
}
