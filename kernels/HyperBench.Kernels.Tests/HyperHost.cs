using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

/// <summary>Runs HyperAttention on host arrays (upload, forward, optional backward, download) and keeps its sparse pattern.</summary>
internal static class HyperHost
{
    public sealed record Result(float[] O, float[] Lse, float[]? DQ, float[]? DK, float[]? DV, (int Query, int Key, float LogWeight)[] Pattern);

    public static Result Run(IAttentionBackend backend, AttentionShape shape, bool causal, HyperParameters parameters, ulong seed,
        float[] q, float[] k, float[] v, float[]? dO = null, bool keepPattern = true)
    {
        using var hyper = new HyperAttention(backend, shape, causal, parameters, seed);
        using var tq = backend.Upload(q);
        using var tk = backend.Upload(k);
        using var tv = backend.Upload(v);
        using var to = backend.Allocate(shape.TensorLength);
        using var tl = backend.Allocate(shape.RowsLength);
        hyper.Forward(tq, tk, tv, to, tl);
        var o = new float[shape.TensorLength];
        var lse = new float[shape.RowsLength];
        backend.Synchronize();
        backend.Download(to, o);
        backend.Download(tl, lse);
        var pattern = keepPattern ? hyper.PatternEntries().ToArray() : [];
        if (dO is null) return new Result(o, lse, null, null, null, pattern);
        using var tdo = backend.Upload(dO);
        using var tdq = backend.Allocate(shape.TensorLength);
        using var tdk = backend.Allocate(shape.TensorLength);
        using var tdv = backend.Allocate(shape.TensorLength);
        hyper.Backward(tq, tk, tv, to, tl, tdo, tdq, tdk, tdv);
        backend.Synchronize();
        var dq = new float[shape.TensorLength];
        var dk = new float[shape.TensorLength];
        var dv = new float[shape.TensorLength];
        backend.Download(tdq, dq);
        backend.Download(tdk, dk);
        backend.Download(tdv, dv);
        return new Result(o, lse, dq, dk, dv, pattern);
    }
}
