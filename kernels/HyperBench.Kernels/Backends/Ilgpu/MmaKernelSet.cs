using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>The compiled tensor-core kernels on one accelerator, each loaded on its first use (one per precision and d).</summary>
internal sealed class MmaKernelSet(Accelerator accelerator)
{
    private readonly Dictionary<(MmaPrecision, int), Action<AcceleratorStream, KernelConfig, KernelArgs>> _forward = [];
    private readonly Dictionary<(MmaPrecision, int), Action<AcceleratorStream, KernelConfig, KernelArgs>> _backward = [];
    private readonly Dictionary<(MmaPrecision, int), Action<AcceleratorStream, KernelConfig, KernelArgs>> _rowDot = [];

    public void Forward(MmaPrecision precision, int headDim, KernelConfig config, KernelArgs args) =>
        Launch(_forward, precision, headDim, Kernel, WithExchange(config), args);

    public void Backward(MmaPrecision precision, int headDim, KernelConfig config, KernelArgs args) =>
        Launch(_backward, precision, headDim, BackwardKernel, WithExchange(config), args);

    /// <summary>D = rowsum(dO ∘ O) for 16-bit dO (bf16, fp16); no mma, so no exchange area.</summary>
    public void RowDot16(MmaPrecision precision, int headDim, KernelConfig config, KernelArgs args) =>
        Launch(_rowDot, precision, headDim, RowDotKernel, config, args);

    private void Launch(Dictionary<(MmaPrecision, int), Action<AcceleratorStream, KernelConfig, KernelArgs>> cache, MmaPrecision precision,
        int headDim, Func<MmaPrecision, int, Action<KernelArgs>> select, KernelConfig config, KernelArgs args)
    {
        if (!cache.TryGetValue((precision, headDim), out var kernel))
        {
            kernel = accelerator.LoadKernel(select(precision, headDim));
            cache[(precision, headDim)] = kernel;
        }
        kernel(accelerator.DefaultStream, config, args);
    }

    /// <summary>The CPU accelerator's mma emulation exchanges registers through dynamic shared memory; CUDA needs none.</summary>
    private KernelConfig WithExchange(KernelConfig config) => accelerator.AcceleratorType == AcceleratorType.Cuda
        ? config
        : new KernelConfig(config.GridDim, config.GroupDim, SharedMemoryConfig.RequestDynamic<uint>(config.GroupDim.Size / 32 * MmaSync.ExchangeWordsPerWarp));

    private static Action<KernelArgs> Kernel(MmaPrecision precision, int headDim) => (precision, headDim) switch
    {
        (MmaPrecision.Bf16, 64) => MmaForwardKernels.Forward16<Bf16Mma, HeadDim64>,
        (MmaPrecision.Bf16, 128) => MmaForwardKernels.Forward16<Bf16Mma, HeadDim128>,
        (MmaPrecision.Fp16, 64) => MmaForwardKernels.Forward16<Fp16Mma, HeadDim64>,
        (MmaPrecision.Fp16, 128) => MmaForwardKernels.Forward16<Fp16Mma, HeadDim128>,
        (MmaPrecision.Tf32x3, 64) => MmaForwardKernels.ForwardTf32x3<HeadDim64>,
        (MmaPrecision.Tf32x3, 128) => MmaForwardKernels.ForwardTf32x3<HeadDim128>,
        _ => throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"no tensor-core kernel for {precision} at d = {headDim}."),
    };

    private static Action<KernelArgs> BackwardKernel(MmaPrecision precision, int headDim) => (precision, headDim) switch
    {
        (MmaPrecision.Bf16, 64) => MmaBackwardKernels.Backward16<Bf16Mma, HeadDim64>,
        (MmaPrecision.Fp16, 64) => MmaBackwardKernels.Backward16<Fp16Mma, HeadDim64>,
        (MmaPrecision.Bf16, 128) => MmaBackwardKernels.Backward16<Bf16Mma, HeadDim128>,
        (MmaPrecision.Fp16, 128) => MmaBackwardKernels.Backward16<Fp16Mma, HeadDim128>,
        (MmaPrecision.Tf32x3, 64) => MmaBackwardKernels.BackwardTf32x3<HeadDim64>,
        (MmaPrecision.Tf32x3, 128) => MmaBackwardKernels.BackwardTf32x3D128,
        _ => throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"no tensor-core backward for {precision} at d = {headDim}."),
    };

    private static Action<KernelArgs> RowDotKernel(MmaPrecision precision, int headDim) => (precision, headDim) switch
    {
        (MmaPrecision.Bf16, 64) => MmaBackwardKernels.RowDot16<Bf16Mma, HeadDim64>,
        (MmaPrecision.Bf16, 128) => MmaBackwardKernels.RowDot16<Bf16Mma, HeadDim128>,
        (MmaPrecision.Fp16, 64) => MmaBackwardKernels.RowDot16<Fp16Mma, HeadDim64>,
        (MmaPrecision.Fp16, 128) => MmaBackwardKernels.RowDot16<Fp16Mma, HeadDim128>,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, $"no 16-bit row product for {precision} at d = {headDim}."),
    };
}
