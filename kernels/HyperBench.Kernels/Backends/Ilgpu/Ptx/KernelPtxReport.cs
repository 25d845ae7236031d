namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>Everything the offline toolchain says about one kernel: resources, occupancy and SASS instruction mixes.</summary>
/// <param name="Whole">The mix over every instruction of the kernel (all its functions).</param>
/// <param name="HotLoops">The mix summed over all innermost loops.</param>
/// <param name="HottestLoop">The mix of the innermost loop with the most HMMA, then the most FFMA (null when the kernel has no loop).</param>
/// <param name="IsTensorCore">An attention tile whose products are mma.sync: the tensor-core hot-loop rules apply instead of the FFMA ones.</param>
public sealed record KernelPtxReport(
    string Name, string EntryName, string Architecture, bool IsAttentionTile, int ThreadsPerBlock, bool ThreadsChosenByDriver,
    PtxasResourceUsage Resources, Occupancy Occupancy, InstructionMix Whole, int InnermostLoopCount, InstructionMix HotLoops,
    InstructionMix? HottestLoop, bool IsTensorCore = false);
