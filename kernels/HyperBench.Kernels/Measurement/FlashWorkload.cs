using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A flash case ready to time: inputs of the case's distribution uploaded at its dtype, outputs allocated. fp32 is the exact
/// kernel itself; any other dtype reports its error against fp32 flash on the same (rounded) inputs.
/// </summary>
internal sealed class FlashWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase) : IKernelWorkload
{
    private readonly CaseDeviceTensors _t = new(backend, benchmarkCase);
    private readonly FlashAttention _flash = new(backend, benchmarkCase.Shape(), benchmarkCase.Causal, benchmarkCase.Dtype);

    /// <summary>bwd: the untimed forward that gives the backward its O and lse.</summary>
    public void Prepare()
    {
        if (benchmarkCase.Pass == AttentionPass.Backward) Forward();
    }

    public void Run()
    {
        if (benchmarkCase.Pass != AttentionPass.Backward) Forward();
        if (_t.Backward) _flash.Backward(_t.Q, _t.K, _t.V, _t.O, _t.Lse, _t.DO!, _t.DQ!, _t.DK!, _t.DV!);
    }

    private void Forward() => _flash.Forward(_t.Q, _t.K, _t.V, _t.O, _t.Lse);

    public CaseTensors Download() => _t.Download();

    public AccuracyReport? MeasureAccuracy() => benchmarkCase.Dtype == Dtype.Fp32 ? null : _t.MeasureAgainstExact(benchmarkCase.Causal);

    public void Dispose()
    {
        _flash.Dispose();
        _t.Dispose();
    }
}
