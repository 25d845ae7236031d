namespace HyperBench.Kernels;

/// <summary>The shape of one attention problem: tensors are [batch, heads, n, d], row-major.</summary>
public sealed record AttentionShape
{
    /// <summary>Head dimensions the kernels are compiled for.</summary>
    public static IReadOnlyList<int> SupportedHeadDims { get; } = [64, 128];

    public AttentionShape(int batch, int heads, int n, int d)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be >= 1, got {batch}.");
        if (heads <= 0) throw new ArgumentOutOfRangeException(nameof(heads), heads, $"heads must be >= 1, got {heads}.");
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, $"n (sequence length) must be >= 1, got {n}.");
        if (!SupportedHeadDims.Contains(d))
            throw new ArgumentOutOfRangeException(nameof(d), d, $"d (head dimension) = {d} is not supported; supported: {string.Join(", ", SupportedHeadDims)}.");
        long elements = (long)batch * heads * n * d;
        if (elements > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"batch*heads*n*d = {elements} elements exceeds the per-tensor limit of {int.MaxValue} (batch {batch}, heads {heads}, n {n}, d {d}).");
        Batch = batch;
        Heads = heads;
        N = n;
        D = d;
    }

    public int Batch { get; }
    public int Heads { get; }
    public int N { get; }
    public int D { get; }

    /// <summary>Number of (batch, head) slices.</summary>
    public int Slices => Batch * Heads;

    /// <summary>Elements of one [batch, heads, n, d] tensor.</summary>
    public int TensorLength => Batch * Heads * N * D;

    /// <summary>Elements of one [batch, heads, n] row vector (lse, D).</summary>
    public int RowsLength => Batch * Heads * N;

    public float Scale => 1f / MathF.Sqrt(D);

    public override string ToString() => $"b{Batch} h{Heads} n{N} d{D}";
}
