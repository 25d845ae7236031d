namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>
/// A loop found from backward branches: the instructions from the branch target (the header) to the last backward branch
/// to that header, inclusive.
/// </summary>
public sealed record SassLoop(int Start, int End, IReadOnlyList<SassInstruction> Instructions)
{
    public InstructionMix Mix { get; } = InstructionMix.Count(Instructions);

    /// <summary>True when <paramref name="other"/> lies within this loop and is not this loop.</summary>
    public bool Contains(SassLoop other) => Start <= other.Start && other.End <= End && (Start, End) != (other.Start, other.End);
}
