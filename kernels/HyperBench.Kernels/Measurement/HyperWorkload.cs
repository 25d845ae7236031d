using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A hyper case ready to time: inputs of the case's distribution uploaded, HyperAttention's plans and buffers built once.
/// Accuracy is measured afterwards against the exact flash kernel run on the same device tensors.
/// </summary>
internal sealed class HyperWorkload : IKernelWorkload
{
    private readonly IAttentionBackend _backend;
    private readonly HyperAttention _hyper;
    private readonly CaseDeviceTensors _t;
    private readonly AttentionShape _shape;
    private readonly BenchmarkCase _case;
    private readonly (IDeviceTensor Q, IDeviceTensor K, IDeviceTensor V)? _fp32;

    public HyperWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        _case = benchmarkCase;
        _shape = benchmarkCase.Shape();
        _t = new CaseDeviceTensors(backend, benchmarkCase);
        _hyper = new HyperAttention(backend, _shape, benchmarkCase.Causal, benchmarkCase.HyperOrDefault, InputGenerator.StreamSeed(benchmarkCase.Seed, 50), benchmarkCase.Dtype);
        // 16-bit inputs: the fp32 copies the LSH codes read, made before timing.
        if (!_t.InputsAreFp32) _fp32 = _t.Fp32Inputs();
    }

    /// <summary>
    /// bwd: the untimed forward, which leaves what the backward reads: O and lse, and in HyperAttention the LSH codes, sorted
    /// orders, samples and key biases of every level and the last level's gathered rows.
    /// </summary>
    public void Prepare()
    {
        if (_case.Pass == AttentionPass.Backward) Forward();
    }

    public void Run()
    {
        if (_case.Pass != AttentionPass.Backward) Forward();
        if (_t.Backward) _hyper.Backward(_t.Q, _t.K, _t.V, _t.O, _t.Lse, _t.DO!, _t.DQ!, _t.DK!, _t.DV!);
    }

    private void Forward() => _hyper.Forward(_t.Q, _t.K, _t.V, _t.O, _t.Lse, _fp32);

    public CaseTensors Download()
    {
        _backend.Synchronize();
        HyperLayout? layout = null;
        if (!_case.Causal && _hyper.Levels.Count == 1)
        {
            var level = _hyper.Levels[0];
            int problems = level.Problems.Count;
            layout = new HyperLayout(level.BlockRows(0), _case.HyperOrDefault.Samples,
                Enumerable.Range(0, problems).Select(level.QueryOrder).ToArray(),
                Enumerable.Range(0, problems).Select(level.KeyOrder).ToArray(),
                Enumerable.Range(0, problems).Select(level.SampledKeys).ToArray());
        }
        return _t.Download(layout);
    }

    /// <summary>Against exact fp32 flash on the same inputs (<see cref="CaseDeviceTensors.MeasureAgainstExact"/>), from the outputs of the last timed run.</summary>
    public AccuracyReport MeasureAccuracy() => _t.MeasureAgainstExact(_case.Causal);

    public void Dispose()
    {
        _hyper.Dispose();
        _t.Dispose();
    }
}
