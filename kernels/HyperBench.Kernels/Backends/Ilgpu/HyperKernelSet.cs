using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>The compiled <see cref="HyperKernels"/> on one accelerator (loaded on first use: flash-only runs never compile them).</summary>
internal sealed class HyperKernelSet(Accelerator accelerator)
{
    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, ArrayView<int>> LshCodes { get; } =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, ArrayView<int>>(HyperKernels.LshCodes);

    public Action<Index1D, ArrayView<float>, ArrayView<int>, int, float, ArrayView<float>> Gather { get; } =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, float, ArrayView<float>>(HyperKernels.Gather);

    public Action<Index1D, ArrayView<float>, ArrayView<int>, int, ArrayView<float>> ScatterAdd { get; } =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int, ArrayView<float>>(HyperKernels.ScatterAdd);

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>> Merge { get; } =
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, int, int, ArrayView<float>, ArrayView<float>>(HyperKernels.Merge);
}
