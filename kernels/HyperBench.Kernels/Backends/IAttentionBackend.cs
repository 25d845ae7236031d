namespace HyperBench.Kernels.Backends;

/// <summary>
/// The primitives every backend provides (ALGORITHMS.md section 0). Algorithms (flash, HyperAttention) are written once on top of these.
/// </summary>
public interface IAttentionBackend : IDisposable
{
    DeviceInfo Device { get; }

    IDeviceTensor Allocate(long length);

    IDeviceTensor Upload(ReadOnlySpan<float> data);

    void Download(IDeviceTensor tensor, Span<float> destination);

    void Clear(IDeviceTensor tensor);

    IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale);

    /// <summary>Scratch bytes a plan needs beyond its input and output tensors (for the pre-flight memory estimate).</summary>
    long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward);

    /// <summary>Blocks until all queued work has finished.</summary>
    void Synchronize();

    /// <summary>Evicts caches between samples so a sample is not measured from a warm cache (GPU L2); a no-op where meaningless.</summary>
    void FlushCaches();
}
