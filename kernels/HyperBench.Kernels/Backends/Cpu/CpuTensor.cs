namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// A float buffer of the managed CPU backend. The array lives on the pinned object heap so kernels can hold a raw
/// pointer to it across Parallel.For bodies without fixed blocks (which lambdas cannot capture).
/// </summary>
public sealed unsafe class CpuTensor : IDeviceTensor
{
    private float[]? _data;

    public CpuTensor(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a CPU tensor holds at most {Array.MaxLength} floats, asked for {length}.");
        _data = GC.AllocateArray<float>((int)length, pinned: true);
    }

    public long Length => Data.LongLength;

    /// <summary>The backing array (pinned); throws once disposed.</summary>
    public float[] Data => _data ?? throw new ObjectDisposedException(nameof(CpuTensor));

    public Span<float> Span => Data;

    /// <summary>Stable address of element 0: the array is pinned for its whole life.</summary>
    internal float* Pointer => (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Data));

    public void Dispose() => _data = null;
}
