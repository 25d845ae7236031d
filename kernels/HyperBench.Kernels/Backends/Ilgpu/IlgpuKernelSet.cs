using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>The compiled flash kernels for one head dimension on one accelerator, with the group sizes they are written for.</summary>
internal sealed class IlgpuKernelSet
{
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _rowDot;
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _backward;
    private readonly AcceleratorStream _stream;

    private IlgpuKernelSet(Accelerator accelerator, Action<KernelArgs> forward, Action<KernelArgs> rowDot, Action<KernelArgs> backward)
    {
        _forward = accelerator.LoadKernel(forward);
        _rowDot = accelerator.LoadKernel(rowDot);
        _backward = accelerator.LoadKernel(backward);
        _stream = accelerator.DefaultStream;
    }

    public static IlgpuKernelSet Load(Accelerator accelerator, int headDim) => headDim switch
    {
        64 => new(accelerator, FlashForwardKernels.ForwardD64, FlashKernels.RowDot<HeadDim64>, FlashBackwardKernels.BackwardD64),
        128 => new(accelerator, FlashForwardKernels.ForwardD128, FlashKernels.RowDot<HeadDim128>, FlashBackwardKernels.BackwardD128),
        _ => throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"d = {headDim} is not supported by the ILGPU kernels."),
    };

    /// <summary>Query rows per forward tile and threads per group of the forward kernel.</summary>
    public static (int Rows, int Threads) ForwardGeometry(int headDim) => headDim == 64
        ? (FlashForwardKernels.D64Rows, FlashForwardKernels.D64Threads)
        : (FlashForwardKernels.D128Rows, FlashForwardKernels.D128Threads);

    /// <summary>Keys per backward tile and threads per group of the backward kernel.</summary>
    public static (int Keys, int Threads) BackwardGeometry(int headDim) => headDim == 64
        ? (FlashBackwardKernels.D64Keys, FlashBackwardKernels.D64Threads)
        : (FlashBackwardKernels.D128Keys, FlashBackwardKernels.D128Threads);

    public void Forward(KernelConfig config, KernelArgs args) => _forward(_stream, config, args);

    public void RowDot(KernelConfig config, KernelArgs args) => _rowDot(_stream, config, args);

    public void Backward(KernelConfig config, KernelArgs args) => _backward(_stream, config, args);
}
