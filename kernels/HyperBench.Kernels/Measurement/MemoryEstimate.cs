using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Measurement;

/// <summary>Pre-flight check: a case that cannot fit fails before anything is allocated, naming the bytes needed and available.</summary>
public static class MemoryEstimate
{
    public static long BytesNeeded(BenchmarkCase benchmarkCase, IAttentionBackend backend)
    {
        var shape = benchmarkCase.Shape();
        bool backward = benchmarkCase.Pass.HasBackward();
        long tensor = 4L * shape.TensorLength;
        long rows = 4L * shape.RowsLength;
        int tensors = backward ? 8 : 4; // Q K V O (+ dO dQ dK dV)
        long device = TensorBytes(benchmarkCase) + backend.PlanWorkspaceBytes(shape.RowsLength, shape.RowsLength, shape.D, backward);
        if (benchmarkCase.Kernel == KernelKind.Hyper)
        {
            // HyperAttention's gathered blocks and indices, plus the exact outputs of the accuracy check after timing.
            device += HyperAttention.WorkspaceBytes(backend, shape, benchmarkCase.Causal, benchmarkCase.HyperOrDefault, backward);
            device += (tensors - 3) * tensor + rows;
        }
        else if (benchmarkCase.Dtype != Dtype.Fp32)
        {
            // A flash case at another dtype is checked against fp32 flash after timing: its O and lse.
            device += tensor + rows;
        }
        // 16-bit inputs (and dO) also live as fp32 copies: the fp32 reference reads them (hyper's LSH codes too, while timing).
        if (benchmarkCase.Dtype.ElementBytes() != 4) device += (backward ? 4 : 3) * tensor;
        // CPU backends hold the device tensors in host memory; a GPU needs a host staging copy of each input while uploading.
        long host = backend.Device.Kind == DeviceKind.Cuda ? tensor : 0;
        return device + host;
    }

    public static long BytesAvailable(IAttentionBackend backend) => backend.Device.Kind == DeviceKind.Cuda
        ? backend.Device.MemoryBytes
        : Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false));

    /// <exception cref="InsufficientMemoryException">The case needs more than the device has.</exception>
    public static void EnsureFits(BenchmarkCase benchmarkCase, IAttentionBackend backend) =>
        EnsureFits(benchmarkCase, backend, BytesNeeded(benchmarkCase, backend));

    /// <inheritdoc cref="EnsureFits(BenchmarkCase, IAttentionBackend)"/>
    public static void EnsureFits(BenchmarkCase benchmarkCase, IAttentionBackend backend, long needed)
    {
        long available = BytesAvailable(backend);
        if (needed > available)
            throw new InsufficientMemoryException(
                $"{benchmarkCase} needs about {needed:N0} bytes ({needed / (double)(1L << 30):F2} GiB) but {backend.Device.Id} has {available:N0} bytes ({available / (double)(1L << 30):F2} GiB) available.");
    }

    /// <summary>
    /// The backend-free part of <see cref="BytesNeeded(BenchmarkCase, IAttentionBackend)"/> (tensors and row statistics, no plan
    /// workspace): what a scheduler can know without a device, to offer a case only to a device that may hold it.
    /// </summary>
    public static long TensorBytes(BenchmarkCase benchmarkCase)
    {
        var shape = benchmarkCase.Shape();
        // Q, K, V (and dO) at the dtype's element size; O and lse (and dQ, dK, dV) are fp32 at every dtype.
        bool backward = benchmarkCase.Pass.HasBackward();
        long inputs = (backward ? 4L : 3L) * benchmarkCase.Dtype.ElementBytes() * shape.TensorLength;
        int fp32Tensors = backward ? 4 : 1;
        return inputs + fp32Tensors * 4L * shape.TensorLength + 4L * shape.RowsLength;
    }
}
