namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// Every ILGPU kernel and specialisation the backend loads (IlgpuKernelSet, HyperKernelSet), for the offline PTX gate.
/// Method groups rather than names: a renamed or removed kernel breaks the build here instead of silently leaving the gate.
/// A catalog test fails when FlashKernels or HyperKernels gain a public kernel that is not listed.
/// </summary>
public static class IlgpuKernelCatalog
{
    public static IReadOnlyList<IlgpuKernelEntry> All { get; } =
    [
        Tile("flash.forward.d64", FlashForwardKernels.ForwardD64, FlashForwardKernels.D64Threads),
        RowKernel("flash.rowdot.d64", FlashKernels.RowDot<HeadDim64>, FlashKernels.GroupRows),
        Tile("flash.backward.d64", FlashBackwardKernels.BackwardD64, FlashBackwardKernels.D64Threads),
        Tile("flash.forward.d128", FlashForwardKernels.ForwardD128, FlashForwardKernels.D128Threads),
        RowKernel("flash.rowdot.d128", FlashKernels.RowDot<HeadDim128>, FlashKernels.GroupRows),
        Tile("flash.backward.d128", FlashBackwardKernels.BackwardD128, FlashBackwardKernels.D128Threads),
        TensorCore("mma.forward.bf16.d64", MmaForwardKernels.Forward16<Bf16Mma, HeadDim64>, MmaForwardKernels.Threads),
        TensorCore("mma.forward.fp16.d64", MmaForwardKernels.Forward16<Fp16Mma, HeadDim64>, MmaForwardKernels.Threads),
        TensorCore("mma.forward.tf32x3.d64", MmaForwardKernels.ForwardTf32x3<HeadDim64>, MmaForwardKernels.Threads),
        TensorCore("mma.forward.bf16.d128", MmaForwardKernels.Forward16<Bf16Mma, HeadDim128>, MmaForwardKernels.Threads),
        TensorCore("mma.forward.fp16.d128", MmaForwardKernels.Forward16<Fp16Mma, HeadDim128>, MmaForwardKernels.Threads),
        TensorCore("mma.forward.tf32x3.d128", MmaForwardKernels.ForwardTf32x3<HeadDim128>, MmaForwardKernels.Threads),
        TensorCore("mma.backward.bf16.d64", MmaBackwardKernels.Backward16<Bf16Mma, HeadDim64>, MmaBackwardKernels.Threads),
        TensorCore("mma.backward.fp16.d64", MmaBackwardKernels.Backward16<Fp16Mma, HeadDim64>, MmaBackwardKernels.Threads),
        TensorCore("mma.backward.tf32x3.d64", MmaBackwardKernels.BackwardTf32x3<HeadDim64>, MmaBackwardKernels.Threads),
        TensorCore("mma.backward.bf16.d128", MmaBackwardKernels.Backward16<Bf16Mma, HeadDim128>, 2 * MmaBackwardKernels.Threads),
        TensorCore("mma.backward.fp16.d128", MmaBackwardKernels.Backward16<Fp16Mma, HeadDim128>, 2 * MmaBackwardKernels.Threads),
        TensorCore("mma.backward.tf32x3.d128", MmaBackwardKernels.BackwardTf32x3D128, MmaBackwardKernels.Threads),
        RowKernel("mma.rowdot.bf16.d64", MmaBackwardKernels.RowDot16<Bf16Mma, HeadDim64>, FlashKernels.GroupRows),
        RowKernel("mma.rowdot.fp16.d64", MmaBackwardKernels.RowDot16<Fp16Mma, HeadDim64>, FlashKernels.GroupRows),
        RowKernel("mma.rowdot.bf16.d128", MmaBackwardKernels.RowDot16<Bf16Mma, HeadDim128>, FlashKernels.GroupRows),
        RowKernel("mma.rowdot.fp16.d128", MmaBackwardKernels.RowDot16<Fp16Mma, HeadDim128>, FlashKernels.GroupRows),
        AutoGrouped("hyper.lsh-codes", HyperKernels.LshCodes),
        AutoGrouped("hyper.gather", HyperKernels.Gather),
        AutoGrouped("hyper.scatter-add", HyperKernels.ScatterAdd),
        AutoGrouped("hyper.merge", HyperKernels.Merge),
    ];

    /// <summary>The kernel types whose public static methods must all appear in <see cref="All"/>.</summary>
    public static IReadOnlyList<Type> KernelClasses { get; } = [typeof(FlashForwardKernels), typeof(FlashBackwardKernels), typeof(FlashKernels), typeof(HyperKernels), typeof(MmaForwardKernels), typeof(MmaBackwardKernels)];

    /// <summary>An explicitly grouped attention kernel (a <see cref="KernelArgs"/> launch with a fixed group size).</summary>
    private static IlgpuKernelEntry Tile(string name, Action<KernelArgs> kernel, int threadsPerBlock) =>
        new(name, kernel.Method, ExplicitlyGrouped: true, IsAttentionTile: true, threadsPerBlock);

    /// <summary>
    /// An explicitly grouped attention kernel whose products run on tensor cores (inline PTX mma.sync): the hot-loop rules are
    /// the tensor-core ones (HMMA in the hot loop) instead of the FFMA ones.
    /// </summary>
    private static IlgpuKernelEntry TensorCore(string name, Action<KernelArgs> kernel, int threadsPerBlock) =>
        new(name, kernel.Method, ExplicitlyGrouped: true, IsAttentionTile: true, threadsPerBlock, IsTensorCore: true);

    /// <summary>
    /// An explicitly grouped flash kernel that does no tile arithmetic (RowDot: rowsum(dO * O), two global loads per FFMA):
    /// memory-bound by design, so the hot-loop FFMA rules do not apply; the resource rules do.
    /// </summary>
    private static IlgpuKernelEntry RowKernel(string name, Action<KernelArgs> kernel, int threadsPerBlock) =>
        new(name, kernel.Method, ExplicitlyGrouped: true, IsAttentionTile: false, threadsPerBlock);

    /// <summary>An implicitly grouped kernel loaded with LoadAutoGroupedStreamKernel (the driver picks the group size).</summary>
    private static IlgpuKernelEntry AutoGrouped(string name, Delegate kernel) =>
        new(name, kernel.Method, ExplicitlyGrouped: false, IsAttentionTile: false, ThreadsPerBlock: null);

    /// <summary>Entries whose name contains <paramref name="filter"/> (ordinal, case-insensitive); all when it is empty.</summary>
    public static IReadOnlyList<IlgpuKernelEntry> Matching(string? filter) => string.IsNullOrEmpty(filter)
        ? All
        : All.Where(e => e.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
}
