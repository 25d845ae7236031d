using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>The compiled kernels for one head dimension on one accelerator.</summary>
internal sealed class IlgpuKernelSet
{
    private IlgpuKernelSet(Action<AcceleratorStream, KernelConfig, KernelArgs> forward, Action<AcceleratorStream, KernelConfig, KernelArgs> rowDot,
        Action<AcceleratorStream, KernelConfig, KernelArgs> backwardQuery, Action<AcceleratorStream, KernelConfig, KernelArgs> backwardKey,
        AcceleratorStream stream)
    {
        _forward = forward;
        _rowDot = rowDot;
        _backwardQuery = backwardQuery;
        _backwardKey = backwardKey;
        _stream = stream;
    }

    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _forward;
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _rowDot;
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _backwardQuery;
    private readonly Action<AcceleratorStream, KernelConfig, KernelArgs> _backwardKey;
    private readonly AcceleratorStream _stream;

    public static IlgpuKernelSet Load<TDim>(Accelerator accelerator) where TDim : struct, IHeadDim => new(
        accelerator.LoadKernel<KernelArgs>(default(TDim).Value == 64 ? FlashForwardKernels.ForwardD64 : FlashForwardKernels.ForwardD128),
        accelerator.LoadKernel<KernelArgs>(FlashKernels.RowDot<TDim>),
        accelerator.LoadKernel<KernelArgs>(FlashKernels.BackwardQuery<TDim>),
        accelerator.LoadKernel<KernelArgs>(FlashKernels.BackwardKey<TDim>),
        accelerator.DefaultStream);

    public void Forward(KernelConfig config, KernelArgs args) => _forward(_stream, config, args);

    public void RowDot(KernelConfig config, KernelArgs args) => _rowDot(_stream, config, args);

    public void BackwardQuery(KernelConfig config, KernelArgs args) => _backwardQuery(_stream, config, args);

    public void BackwardKey(KernelConfig config, KernelArgs args) => _backwardKey(_stream, config, args);
}
