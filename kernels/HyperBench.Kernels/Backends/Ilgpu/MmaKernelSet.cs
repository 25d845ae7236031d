using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>The compiled tensor-core forward kernels on one accelerator, each loaded on its first use (one per precision and d).</summary>
internal sealed class MmaKernelSet(Accelerator accelerator)
{
    private readonly Dictionary<(MmaPrecision, int), Action<AcceleratorStream, KernelConfig, KernelArgs>> _forward = [];

    public void Forward(MmaPrecision precision, int headDim, KernelConfig config, KernelArgs args)
    {
        if (!_forward.TryGetValue((precision, headDim), out var kernel))
        {
            kernel = accelerator.LoadKernel(Kernel(precision, headDim));
            _forward[(precision, headDim)] = kernel;
        }
        // The CPU accelerator's mma emulation exchanges registers through dynamic shared memory; CUDA needs none.
        if (accelerator.AcceleratorType != AcceleratorType.Cuda)
            config = new KernelConfig(config.GridDim, config.GroupDim,
                SharedMemoryConfig.RequestDynamic<uint>(config.GroupDim.Size / 32 * MmaSync.ExchangeWordsPerWarp));
        kernel(accelerator.DefaultStream, config, args);
    }

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
}
