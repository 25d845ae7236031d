using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// A hyper case ready to time: inputs of the case's distribution uploaded, HyperAttention's plans and buffers built once.
/// Accuracy is measured afterwards against the exact flash kernel run on the same device tensors.
/// </summary>
internal sealed class HyperWorkload : IKernelWorkload
{
    private readonly IAttentionBackend _backend;
    private readonly HyperAttention _hyper;
    private readonly IDeviceTensor _q, _k, _v, _o, _lse;
    private readonly IDeviceTensor? _dO, _dq, _dk, _dv;
    private readonly bool _backward;
    private readonly AttentionShape _shape;
    private readonly BenchmarkCase _case;

    public HyperWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        _case = benchmarkCase;
        _shape = benchmarkCase.Shape();
        _backward = benchmarkCase.Pass == AttentionPass.ForwardBackward;
        _hyper = new HyperAttention(backend, _shape, benchmarkCase.Causal, benchmarkCase.HyperOrDefault, InputGenerator.StreamSeed(benchmarkCase.Seed, 50));
        var host = CaseInputs.Generate(_shape, benchmarkCase.Distribution, benchmarkCase.Seed, _backward);
        _q = backend.Upload(host.Q);
        _k = backend.Upload(host.K);
        _v = backend.Upload(host.V);
        _o = backend.Allocate(_shape.TensorLength);
        _lse = backend.Allocate(_shape.RowsLength);
        if (_backward)
        {
            _dO = backend.Upload(host.DO!);
            _dq = backend.Allocate(_shape.TensorLength);
            _dk = backend.Allocate(_shape.TensorLength);
            _dv = backend.Allocate(_shape.TensorLength);
        }
    }

    public void Run()
    {
        _hyper.Forward(_q, _k, _v, _o, _lse);
        if (_backward) _hyper.Backward(_q, _k, _v, _o, _lse, _dO!, _dq!, _dk!, _dv!);
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
        return new CaseTensors(Get(_q), Get(_k), Get(_v), Get(_o), Get(_lse, _shape.RowsLength),
            _dO is null ? null : Get(_dO), _dq is null ? null : Get(_dq), _dk is null ? null : Get(_dk), _dv is null ? null : Get(_dv), layout);
    }

    /// <summary>
    /// Runs exact flash on the same device inputs (for large n only on <see cref="AccuracyCalculator.SliceSubset"/>'s heads,
    /// reported in HeadsMeasured) and compares O (and dQ, dK, dV with the backward). Uses the outputs of the last timed run.
    /// </summary>
    public AccuracyReport MeasureAccuracy()
    {
        var slices = AccuracyCalculator.SliceSubset(_shape.Slices, _shape.N);
        var all = ReferenceAttention.SegmentsFor(_shape, _case.Causal);
        using var plan = _backend.CreatePlan(slices.Select(s => all[s]).ToArray(), _shape.D, _shape.Scale);
        using var o = _backend.Allocate(_shape.TensorLength);
        using var lse = _backend.Allocate(_shape.RowsLength);
        plan.Forward(_q, _k, _v, null, o, lse);
        var v = Get(_v);
        var metrics = new List<AccuracyMetric> { AccuracyCalculator.Compare("o", Get(_o), Get(o), v, _shape.N, _shape.D, slices) };
        if (_backward)
        {
            using var dq = _backend.Allocate(_shape.TensorLength);
            using var dk = _backend.Allocate(_shape.TensorLength);
            using var dv = _backend.Allocate(_shape.TensorLength);
            plan.Backward(_q, _k, _v, null, o, lse, _dO!, dq, dk, dv);
            metrics.Add(AccuracyCalculator.Compare("dq", Get(_dq!), Get(dq), v, _shape.N, _shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dk", Get(_dk!), Get(dk), v, _shape.N, _shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dv", Get(_dv!), Get(dv), v, _shape.N, _shape.D, slices));
        }
        return new AccuracyReport(metrics, slices.Length, _shape.Slices);
    }

    public void Dispose()
    {
        _hyper.Dispose();
        foreach (var t in new[] { _q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv }) t?.Dispose();
    }

    private float[] Get(IDeviceTensor t, int? length = null)
    {
        _backend.Synchronize();
        var data = new float[length ?? _shape.TensorLength];
        _backend.Download(t, data);
        return data;
    }
}
