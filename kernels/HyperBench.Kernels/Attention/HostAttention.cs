using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Attention;

/// <summary>Runs an attention algorithm on host arrays: upload, run, download. For tests, dumps and accuracy checks, not for timing.</summary>
public static class HostAttention
{
    public sealed record Result(float[] O, float[] Lse, float[]? DQ, float[]? DK, float[]? DV);

    /// <summary>Exact flash attention.</summary>
    public static Result Run(IAttentionBackend backend, AttentionShape shape, bool causal, float[] q, float[] k, float[] v, float[]? dO = null)
    {
        using var flash = new FlashAttention(backend, shape, causal);
        return Run(backend, flash, shape, q, k, v, dO);
    }

    /// <summary>Any algorithm built for <paramref name="shape"/>; the backward runs when <paramref name="dO"/> is given.</summary>
    public static Result Run(IAttentionBackend backend, IAttentionAlgorithm algorithm, AttentionShape shape, float[] q, float[] k, float[] v, float[]? dO = null)
    {
        RequireLength(q, shape.TensorLength, nameof(q));
        RequireLength(k, shape.TensorLength, nameof(k));
        RequireLength(v, shape.TensorLength, nameof(v));
        if (dO is not null) RequireLength(dO, shape.TensorLength, nameof(dO));

        using var tq = backend.Upload(q);
        using var tk = backend.Upload(k);
        using var tv = backend.Upload(v);
        using var to = backend.Allocate(shape.TensorLength);
        using var tl = backend.Allocate(shape.RowsLength);
        algorithm.Forward(tq, tk, tv, to, tl);
        var o = new float[shape.TensorLength];
        var lse = new float[shape.RowsLength];
        backend.Synchronize();
        backend.Download(to, o);
        backend.Download(tl, lse);
        if (dO is null) return new Result(o, lse, null, null, null);

        using var tdo = backend.Upload(dO);
        using var tdq = backend.Allocate(shape.TensorLength);
        using var tdk = backend.Allocate(shape.TensorLength);
        using var tdv = backend.Allocate(shape.TensorLength);
        algorithm.Backward(tq, tk, tv, to, tl, tdo, tdq, tdk, tdv);
        backend.Synchronize();
        var dq = new float[shape.TensorLength];
        var dk = new float[shape.TensorLength];
        var dv = new float[shape.TensorLength];
        backend.Download(tdq, dq);
        backend.Download(tdk, dk);
        backend.Download(tdv, dv);
        return new Result(o, lse, dq, dk, dv);
    }

    private static void RequireLength(float[] data, int expected, string name)
    {
        if (data.Length != expected)
            throw new ArgumentException($"{name} has {data.Length} elements, expected {expected} for the shape [batch, heads, n, d].", name);
    }
}
