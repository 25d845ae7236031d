using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A case's tensors on its device: inputs of the case's distribution generated from its seed and uploaded, outputs (and, with the
/// backward, dO and the gradients) allocated. Every workload times its kernel over one of these, so the inputs are the same.
/// </summary>
internal sealed class CaseDeviceTensors : IDisposable
{
    private readonly IAttentionBackend _backend;

    public CaseDeviceTensors(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        Shape = benchmarkCase.Shape();
        Backward = benchmarkCase.Pass == AttentionPass.ForwardBackward;
        var host = CaseInputs.Generate(Shape, benchmarkCase.Distribution, benchmarkCase.Seed, Backward);
        Q = backend.Upload(host.Q);
        K = backend.Upload(host.K);
        V = backend.Upload(host.V);
        O = backend.Allocate(Shape.TensorLength);
        Lse = backend.Allocate(Shape.RowsLength);
        if (Backward)
        {
            DO = backend.Upload(host.DO!);
            DQ = backend.Allocate(Shape.TensorLength);
            DK = backend.Allocate(Shape.TensorLength);
            DV = backend.Allocate(Shape.TensorLength);
        }
    }

    public AttentionShape Shape { get; }

    public bool Backward { get; }

    public IDeviceTensor Q { get; }

    public IDeviceTensor K { get; }

    public IDeviceTensor V { get; }

    public IDeviceTensor O { get; }

    public IDeviceTensor Lse { get; }

    public IDeviceTensor? DO { get; }

    public IDeviceTensor? DQ { get; }

    public IDeviceTensor? DK { get; }

    public IDeviceTensor? DV { get; }

    /// <summary>Waits for queued work, then copies one tensor to the host ([batch, heads, n, d], or [batch, heads, n] with <paramref name="length"/>).</summary>
    public float[] Get(IDeviceTensor tensor, int? length = null)
    {
        _backend.Synchronize();
        var data = new float[length ?? Shape.TensorLength];
        _backend.Download(tensor, data);
        return data;
    }

    public CaseTensors Download(HyperLayout? layout = null) =>
        new(Get(Q), Get(K), Get(V), Get(O), Get(Lse, Shape.RowsLength),
            DO is null ? null : Get(DO), DQ is null ? null : Get(DQ), DK is null ? null : Get(DK), DV is null ? null : Get(DV), layout);

    public void Dispose()
    {
        foreach (var t in new[] { Q, K, V, O, Lse, DO, DQ, DK, DV }) t?.Dispose();
    }
}
