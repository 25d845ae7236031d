using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Attention;

/// <summary>A flash case ready to time: inputs generated from the case's seed and uploaded, outputs allocated.</summary>
internal sealed class FlashWorkload : IKernelWorkload
{
    private readonly IAttentionBackend _backend;
    private readonly FlashAttention _flash;
    private readonly IDeviceTensor _q, _k, _v, _o, _lse;
    private readonly IDeviceTensor? _dO, _dq, _dk, _dv;
    private readonly bool _backward;
    private readonly AttentionShape _shape;

    public FlashWorkload(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        _shape = benchmarkCase.Shape();
        _backward = benchmarkCase.Pass == AttentionPass.ForwardBackward;
        _flash = new FlashAttention(backend, _shape, benchmarkCase.Causal);
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
        _flash.Forward(_q, _k, _v, _o, _lse);
        if (_backward) _flash.Backward(_q, _k, _v, _o, _lse, _dO!, _dq!, _dk!, _dv!);
    }

    public CaseTensors Download()
    {
        _backend.Synchronize();
        return new CaseTensors(Get(_q), Get(_k), Get(_v), Get(_o), Get(_lse, _shape.RowsLength),
            _dO is null ? null : Get(_dO), _dq is null ? null : Get(_dq), _dk is null ? null : Get(_dk), _dv is null ? null : Get(_dv));
    }

    public void Dispose()
    {
        _flash.Dispose();
        foreach (var t in new[] { _q, _k, _v, _o, _lse, _dO, _dq, _dk, _dv }) t?.Dispose();
    }

    private float[] Get(IDeviceTensor t, int? length = null)
    {
        var data = new float[length ?? _shape.TensorLength];
        _backend.Download(t, data);
        return data;
    }
}
