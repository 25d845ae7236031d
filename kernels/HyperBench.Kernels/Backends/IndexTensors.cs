using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// Index tensors are ordinary float tensors holding int bit patterns: every backend already moves float buffers bit-exactly,
/// so row indices and bucket codes need no second tensor type. Only the primitives that take an index read them as ints.
/// </summary>
public static class IndexTensors
{
    public static IDeviceTensor Upload(IAttentionBackend backend, ReadOnlySpan<int> indices) => backend.Upload(MemoryMarshal.Cast<int, float>(indices));

    public static void Write(IAttentionBackend backend, IDeviceTensor destination, ReadOnlySpan<int> indices) =>
        backend.Write(destination, MemoryMarshal.Cast<int, float>(indices));

    public static void Download(IAttentionBackend backend, IDeviceTensor source, Span<int> destination) =>
        backend.Download(source, MemoryMarshal.Cast<int, float>(destination));

    /// <summary>The inverse Gray code: the position of <paramref name="code"/> in the reflected Gray sequence 0, 1, 3, 2, 6, 7, 5, 4, ... (prefix XOR of its bits).</summary>
    public static int GrayRank(int code)
    {
        code ^= code >> 1;
        code ^= code >> 2;
        code ^= code >> 4;
        code ^= code >> 8;
        return code;
    }
}
