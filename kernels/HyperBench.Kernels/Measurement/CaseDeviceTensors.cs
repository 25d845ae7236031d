using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// A case's tensors on its device: inputs of the case's distribution generated from its seed and uploaded, outputs (and, with the
/// backward, dO and the gradients) allocated; Q, K, V and dO stored at the case's dtype. Every workload times its kernel over one of these, so the inputs are the same.
/// </summary>
internal sealed class CaseDeviceTensors : IDisposable
{
    private readonly IAttentionBackend _backend;
    private IDeviceTensor[]? _fp32;
    private IDeviceTensor? _fp32DO;

    public CaseDeviceTensors(IAttentionBackend backend, BenchmarkCase benchmarkCase)
    {
        _backend = backend;
        Shape = benchmarkCase.Shape();
        Dtype = benchmarkCase.Dtype;
        Backward = benchmarkCase.Pass.HasBackward();
        var host = CaseInputs.Generate(Shape, benchmarkCase.Distribution, benchmarkCase.Seed, Backward, Dtype);
        Q = backend.Upload(Dtype.Pack(host.Q));
        K = backend.Upload(Dtype.Pack(host.K));
        V = backend.Upload(Dtype.Pack(host.V));
        O = backend.Allocate(Shape.TensorLength);
        Lse = backend.Allocate(Shape.RowsLength);
        if (Backward)
        {
            DO = backend.Upload(Dtype.Pack(host.DO!));
            DQ = backend.Allocate(Shape.TensorLength);
            DK = backend.Allocate(Shape.TensorLength);
            DV = backend.Allocate(Shape.TensorLength);
        }
    }

    /// <summary>The storage of Q, K, V and dO (<see cref="DtypeStorage"/>); O, lse and the gradients are fp32.</summary>
    public Dtype Dtype { get; }

    /// <summary>Whether Q, K, V (and dO) are stored as fp32 (fp32, tf32x3), so fp32 primitives and the fp32 reference can read them as they are.</summary>
    public bool InputsAreFp32 => Dtype.ElementBytes() == 4;

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

    /// <summary>An input (Q, K, V or dO) on the host as fp32: its stored values, unpacked from 16 bits where it is stored so.</summary>
    public float[] GetInput(IDeviceTensor tensor)
    {
        if (InputsAreFp32) return Get(tensor);
        var values = new float[Shape.TensorLength];
        Dtype.Unpack(Get(tensor, (int)Dtype.StoredWords(Shape.TensorLength)), values);
        return values;
    }

    /// <summary>
    /// Q, K and V as fp32 tensors holding the stored (rounded) values, for fp32 primitives (LSH codes) and the fp32 reference: the
    /// inputs themselves when stored as fp32, else copies uploaded on first use and owned here.
    /// </summary>
    public (IDeviceTensor Q, IDeviceTensor K, IDeviceTensor V) Fp32Inputs()
    {
        if (InputsAreFp32) return (Q, K, V);
        _fp32 ??= [_backend.Upload(GetInput(Q)), _backend.Upload(GetInput(K)), _backend.Upload(GetInput(V))];
        return (_fp32[0], _fp32[1], _fp32[2]);
    }

    /// <summary>dO as an fp32 tensor of its stored (rounded) values, for the fp32 reference backward; owned here like <see cref="Fp32Inputs"/>.</summary>
    public IDeviceTensor Fp32DO() => InputsAreFp32 ? DO! : _fp32DO ??= _backend.Upload(GetInput(DO!));

    /// <summary>
    /// Runs exact fp32 flash on the same inputs (their stored values: at a 16-bit dtype the rounded ones, read as fp32; for large n
    /// only on <see cref="AccuracyCalculator.SliceSubset"/>'s heads, reported in HeadsMeasured) and compares O (and dQ, dK, dV with
    /// the backward) of the last run: the error of an approximation (hyper) or of a dtype's arithmetic (tensor cores) alike.
    /// </summary>
    public AccuracyReport MeasureAgainstExact(bool causal)
    {
        var slices = AccuracyCalculator.SliceSubset(Shape.Slices, Shape.N);
        var all = AttentionSegment.PerSlice(Shape, causal);
        var (q, k, v) = Fp32Inputs();
        using var plan = _backend.CreatePlan(slices.Select(s => all[s]).ToArray(), Shape.D, Shape.Scale);
        using var o = _backend.Allocate(Shape.TensorLength);
        using var lse = _backend.Allocate(Shape.RowsLength);
        plan.Forward(q, k, v, null, o, lse);
        var values = Get(v);
        var metrics = new List<AccuracyMetric> { AccuracyCalculator.Compare("o", Get(O), Get(o), values, Shape.N, Shape.D, slices) };
        if (Backward)
        {
            using var dq = _backend.Allocate(Shape.TensorLength);
            using var dk = _backend.Allocate(Shape.TensorLength);
            using var dv = _backend.Allocate(Shape.TensorLength);
            plan.Backward(q, k, v, null, o, lse, Fp32DO(), dq, dk, dv);
            metrics.Add(AccuracyCalculator.Compare("dq", Get(DQ!), Get(dq), values, Shape.N, Shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dk", Get(DK!), Get(dk), values, Shape.N, Shape.D, slices));
            metrics.Add(AccuracyCalculator.Compare("dv", Get(DV!), Get(dv), values, Shape.N, Shape.D, slices));
        }
        return new AccuracyReport(metrics, slices.Length, Shape.Slices);
    }

    public CaseTensors Download(HyperLayout? layout = null) =>
        new(GetInput(Q), GetInput(K), GetInput(V), Get(O), Get(Lse, Shape.RowsLength),
            DO is null ? null : GetInput(DO), DQ is null ? null : Get(DQ), DK is null ? null : Get(DK), DV is null ? null : Get(DV), layout);

    public void Dispose()
    {
        foreach (var t in new[] { Q, K, V, O, Lse, DO, DQ, DK, DV }) t?.Dispose();
        foreach (var t in _fp32 ?? []) t.Dispose();
        _fp32DO?.Dispose();
    }
}
