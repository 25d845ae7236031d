namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// Per-worker tiles. Pinned and 64-byte aligned so the vector loads never split a cache line; reused across runs
/// of a plan (rented from a bag) so a timed sample allocates nothing.
/// </summary>
internal sealed unsafe class CpuScratch
{
    private readonly float[] _buffer;
    private readonly float* _base;
    private nint _used;

    public CpuScratch(long floats)
    {
        _buffer = GC.AllocateArray<float>(checked((int)(floats + 16 * 16)), pinned: true);
        fixed (float* p = _buffer) _base = (float*)(((nint)p + 63) & ~(nint)63);
    }

    /// <summary>Carves the next aligned block of n floats out of the buffer (called once per tile at construction).</summary>
    public float* Take(long n)
    {
        float* p = _base + _used;
        _used += (nint)((n + 15) & ~15L);
        if (_used > _buffer.Length - 16) throw new InvalidOperationException("CpuScratch sized too small.");
        return p;
    }
}
