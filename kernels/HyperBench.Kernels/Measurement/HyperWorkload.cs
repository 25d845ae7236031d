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

    public HyperWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        _case = benchmarkCase;
        _shape = benchmarkCase.Shape();
        _t = new CaseDeviceTensors(backend, benchmarkCase);
        _hyper = new HyperAttention(backend, _shape, benchmarkCase.Causal, benchmarkCase.HyperOrDefault, InputGenerator.StreamSeed(benchmarkCase.Seed, 50));
    }

    public void Run()
    {
        _hyper.Forward(_t.Q, _t.K, _t.V, _t.O, _t.Lse);
        if (_t.Backward) _hyper.Backward(_t.Q, _t.K, _t.V, _t.O, _t.Lse, _t.DO!, _t.DQ!, _t.DK!, _t.DV!);
    }

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

    /// <summary>
    /// Runs exact flash on the same device inputs (for large n only on <see cref="AccuracyCalculator.SliceSubset"/>'s heads,
    /// reported in HeadsMeasured) and compares O (and dQ, dK, dV with the backward). Uses the outputs of the last timed run.
    /// </summary>
    public AccuracyReport MeasureAccuracy()
    {
        var slices = AccuracyCalculator.SliceSubset(_shape.Slices, _shape.N);
        var all = AttentionSegment.PerSlice(_shape, _case.Causal);
        using var plan = _backend.CreatePlan(slices.Select(s => all[s]).ToArray(), _shape.D, _shape.Scale);
        using var o = _backend.Allocate(_shape.TensorLength);
        using var lse = _backend.Allocate(_shape.RowsLength);
        plan.Forward(_t.Q, _t.K, _t.V, null, o, lse);
        var v = _t.Get(_t.V);
        var metrics = new List<AccuracyMetric> { AccuracyCalculator.Compare("o", _t.Get(_t.O), _t.Get(o), v, _shape.N, _shape.D, slices) };
        if (_t.Backward)
        {
            using var dq = _backend.Allocate(_shape.TensorLength);
            using var dk = _backend.Allocate(_shape.TensorLength);
            using var dv = _backend.Allocate(_shape.TensorLength);
            plan.Backward(_t.Q, _t.K, _t.V, null, o, lse, _t.DO!, dq, dk, dv);
            metrics.Add(AccuracyCalculator.Compare("dq", _t.Get(_t.DQ!), _t.Get(dq), v, _shape.N, _shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dk", _t.Get(_t.DK!), _t.Get(dk), v, _shape.N, _shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dv", _t.Get(_t.DV!), _t.Get(dv), v, _shape.N, _shape.D, slices));
        }
        return new AccuracyReport(metrics, slices.Length, _shape.Slices);
    }

    public void Dispose()
    {
        _hyper.Dispose();
        _t.Dispose();
    }
}
