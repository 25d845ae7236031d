namespace HyperBench.Kernels.Backends;

/// <summary>
/// An int buffer owned by a backend: gather/scatter row indices and LSH bucket codes. A type of its own (not ints hidden in a
/// float tensor) so that a float buffer cannot be passed where indices are read, and so each backend hands its kernels typed
/// int views (ILGPU's ArrayView&lt;int&gt;, int* on the CPU) without reinterpreting bits.
/// </summary>
public interface IIndexTensor : IDisposable
{
    long Length { get; }
}
