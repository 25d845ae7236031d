using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>Runs the tensor-core forward on the ILGPU CPU accelerator (through its mma emulation) and rounds inputs to the precision.</summary>
internal static class TensorCoreHost
{
    /// <summary>The inputs as the kernel sees them: rounded to bf16 / fp16 (and back to fp32) or, for 3xTF32, unchanged.</summary>
    public static float[] Rounded(MmaPrecision precision, float[] x) => precision switch
    {
        MmaPrecision.Bf16 => x.Select(v => NarrowFloat.FromBf16(NarrowFloat.ToBf16(v))).ToArray(),
        MmaPrecision.Fp16 => x.Select(v => NarrowFloat.FromFp16(NarrowFloat.ToFp16(v))).ToArray(),
        _ => x,
    };

    /// <summary>O and lse of one plan over <paramref name="segments"/> (rows x d tensors, a per-key bias) at <paramref name="precision"/>.</summary>
    public static (float[] O, float[] Lse) Forward(BackendFixture backends, MmaPrecision precision, IReadOnlyList<AttentionSegment> segments,
        int d, float scale, int rows, float[] q, float[] k, float[] v, float[]? bias)
    {
        var backend = (IlgpuBackend)backends.IlgpuCpu;
        var o = new float[rows * d];
        var lse = new float[rows];
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan(segments, d, scale);
            using var tq = Upload(backend, precision, q);
            using var tk = Upload(backend, precision, k);
            using var tv = Upload(backend, precision, v);
            using var tb = bias is null ? null : backend.Upload(bias);
            using var to = backend.Allocate(rows * d);
            using var tl = backend.Allocate(rows);
            ((ITensorCorePlan)plan).ForwardMma(precision, tq, tk, tv, tb, to, tl);
            backend.Synchronize();
            backend.Download(to, o);
            backend.Download(tl, lse);
        }
        return (o, lse);
    }

    /// <summary>
    /// dQ, dK, dV of one plan at <paramref name="precision"/>, from the given O and lse (fp32) and dO (stored like q, k, v):
    /// the tensor-core backward alone, so its error is not mixed with the forward's.
    /// </summary>
    public static (float[] DQ, float[] DK, float[] DV) Backward(BackendFixture backends, MmaPrecision precision, IReadOnlyList<AttentionSegment> segments,
        int d, float scale, int rows, float[] q, float[] k, float[] v, float[]? bias, float[] o, float[] lse, float[] dO)
    {
        var backend = (IlgpuBackend)backends.IlgpuCpu;
        var dq = new float[rows * d];
        var dk = new float[rows * d];
        var dv = new float[rows * d];
        lock (backends.Gate)
        {
            using var plan = backend.CreatePlan(segments, d, scale);
            using var tq = Upload(backend, precision, q);
            using var tk = Upload(backend, precision, k);
            using var tv = Upload(backend, precision, v);
            using var tdo = Upload(backend, precision, dO);
            using var tb = bias is null ? null : backend.Upload(bias);
            using var to = backend.Upload(o);
            using var tl = backend.Upload(lse);
            using var tdq = backend.Allocate(rows * d);
            using var tdk = backend.Allocate(rows * d);
            using var tdv = backend.Allocate(rows * d);
            ((ITensorCorePlan)plan).BackwardMma(precision, tq, tk, tv, tb, to, tl, tdo, tdq, tdk, tdv);
            backend.Synchronize();
            backend.Download(tdq, dq);
            backend.Download(tdk, dk);
            backend.Download(tdv, dv);
        }
        return (dq, dk, dv);
    }

    private static IDeviceTensor Upload(IlgpuBackend backend, MmaPrecision precision, float[] x) => precision switch
    {
        MmaPrecision.Bf16 => backend.Upload16(x.Select(NarrowFloat.ToBf16).ToArray()),
        MmaPrecision.Fp16 => backend.Upload16(x.Select(NarrowFloat.ToFp16).ToArray()),
        _ => backend.Upload(x),
    };

    /// <summary>
    /// O = sum_j p_j v_j / l with l from the fp32 P and the P of P V rounded once to the input format (relative error at most
    /// u): |dO| &lt;= u max|v|. bf16 u = 2^-8, fp16 u = 2^-11; 3xTF32 is fp32-like (the fp32 kernels' 1e-5). Plus 1e-5 for the
    /// fp32 accumulation.
    /// </summary>
    public static double OTolerance(MmaPrecision precision, float[] v)
    {
        double maxV = v.Max(x => Math.Abs(x));
        return precision switch
        {
            MmaPrecision.Bf16 => Math.Pow(2, -8) * maxV + 1e-5,
            MmaPrecision.Fp16 => Math.Pow(2, -11) * maxV + 1e-5,
            _ => 1e-5,
        };
    }

    /// <summary>lse depends only on S, accumulated in fp32 from exact products of the (rounded) inputs at every precision.</summary>
    public const double LseTolerance = 1e-5;

}
