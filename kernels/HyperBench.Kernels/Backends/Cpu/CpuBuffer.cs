using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// A buffer of the managed CPU backend (floats for tensors, ints for indices). The array lives on the pinned object heap so
/// kernels can hold a raw pointer to it across Parallel.For bodies without fixed blocks (which lambdas cannot capture). Element 0
/// sits on a 64-byte boundary, as the scratch tiles do, so a vector load of a row never splits a cache line wherever the heap
/// put the array.
/// </summary>
public abstract unsafe class CpuBuffer<T> where T : unmanaged
{
    private const int Alignment = 64;

    private T[]? _data;
    private readonly int _offset;
    private readonly int _length;

    protected CpuBuffer(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        int slack = Alignment / sizeof(T);
        if (length > Array.MaxLength - slack)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"a CPU buffer holds at most {Array.MaxLength - slack} elements, asked for {length}.");
        _data = GC.AllocateArray<T>((int)length + slack, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data));
        _offset = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(T);
        _length = (int)length;
    }

    public long Length => _length;

    /// <summary>The elements (pinned, 64-byte aligned); throws once disposed.</summary>
    public Span<T> Span => (_data ?? throw new ObjectDisposedException(GetType().Name)).AsSpan(_offset, _length);

    /// <summary>Stable address of element 0: the array is pinned for its whole life.</summary>
    internal T* Pointer => (T*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Span));

    public void Dispose() => _data = null;
}
