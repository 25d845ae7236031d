namespace HyperBench.Kernels.Backends;

/// <summary>
/// The primitives every backend provides (docs/algorithms.md section 0). Algorithms (flash, HyperAttention) are written once on top of these.
/// </summary>
public interface IAttentionBackend : IDisposable
{
    DeviceInfo Device { get; }

    /// <summary>
    /// Whether this backend stores and computes <paramref name="dtype"/>. A case whose dtype it does not implement is refused
    /// (<see cref="BackendDtypes.Refusal"/>), never computed in another type.
    /// </summary>
    bool Supports(Dtype dtype);

    IDeviceTensor Allocate(long length);

    IDeviceTensor Upload(ReadOnlySpan<float> data);

    void Download(IDeviceTensor tensor, Span<float> destination);

    void Clear(IDeviceTensor tensor);

    /// <summary>Overwrites the first <c>source.Length</c> floats of <paramref name="destination"/> (no allocation: per-run key biases go through here).</summary>
    void Write(IDeviceTensor destination, ReadOnlySpan<float> source);

    /// <summary>A zeroed int buffer for row indices or bucket codes.</summary>
    IIndexTensor AllocateIndices(long length);

    /// <summary>Overwrites the first <c>source.Length</c> ints of <paramref name="destination"/> (no allocation: per-run index lists go through here).</summary>
    void WriteIndices(IIndexTensor destination, ReadOnlySpan<int> source);

    void DownloadIndices(IIndexTensor source, Span<int> destination);

    /// <summary>
    /// sortLSH hash: for rows [0, rows) of <paramref name="x"/> (rows of <paramref name="headDim"/> floats), bit k of c is
    /// (g_k . x &gt; 0) for the rows g_k of <paramref name="projections"/> (bits x headDim); codes[row] = the rank of c in the
    /// reflected Gray-code sequence (<see cref="GrayCode.Rank"/>), so neighbouring ranks differ in one bit.
    /// </summary>
    void LshCodes(IDeviceTensor x, IDeviceTensor projections, int rows, int headDim, int bits, IIndexTensor codes);

    /// <summary>dst row i = src row index[i] (rows of <paramref name="width"/> floats) for i &lt; rows; a row whose index is negative is filled with <paramref name="fill"/>.</summary>
    void GatherRows(IDeviceTensor src, IIndexTensor index, int rows, int width, float fill, IDeviceTensor dst);

    /// <summary>dst row index[i] += src row i for i &lt; rows and index[i] &gt;= 0; repeated indices accumulate.</summary>
    void ScatterAddRows(IDeviceTensor src, IIndexTensor index, int rows, int width, IDeviceTensor dst);

    /// <summary>
    /// Moves partial attention results (O rows, lse) to rows index[i] of (o, lse): a copy, or with <paramref name="accumulate"/>
    /// the LSE merge lse = logaddexp(lse, lse_part), o = o exp(lse_old - lse) + o_part exp(lse_part - lse) (two -inf parts give O = 0, lse = -inf).
    /// Non-negative indices must be distinct.
    /// </summary>
    void MergeRows(IDeviceTensor partO, IDeviceTensor partLse, IIndexTensor index, int rows, int headDim, bool accumulate, IDeviceTensor o, IDeviceTensor lse);

    IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale);

    /// <summary>Scratch bytes a plan needs beyond its input and output tensors (for the pre-flight memory estimate).</summary>
    long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward);

    /// <summary>Blocks until all queued work has finished.</summary>
    void Synchronize();

    /// <summary>Evicts caches between samples so a sample is not measured from a warm cache (GPU L2); a no-op where meaningless.</summary>
    void FlushCaches();
}
