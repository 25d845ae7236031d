using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// A buffer of the managed CPU backend (floats for tensors, ints for indices). The array lives on the pinned object heap so
/// kernels can hold a raw pointer to it across Parallel.For bodies without fixed blocks (which lambdas cannot capture).
/// </summary>
public abstract unsafe class CpuBuffer<T> where T : unmanaged
{
    private T[]? _data;

    protected CpuBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a CPU buffer holds at most {Array.MaxLength} elements, asked for {length}.");
        _data = GC.AllocateArray<T>((int)length, pinned: true);
    }

    public long Length => Data.LongLength;

    /// <summary>The backing array (pinned); throws once disposed.</summary>
    public T[] Data => _data ?? throw new ObjectDisposedException(GetType().Name);

    public Span<T> Span => Data;

    /// <summary>Stable address of element 0: the array is pinned for its whole life.</summary>
    internal T* Pointer => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Data));

    public void Dispose() => _data = null;
}
