namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>One function of a SASS listing, with the loops its backward branches define.</summary>
public sealed record SassFunction(string Name, IReadOnlyList<SassInstruction> Instructions)
{
    /// <summary>
    /// Loops, one per header: backward branches that share a target (a loop with several back edges, e.g. a
    /// <c>continue</c>) are one loop reaching to the last of them.
    /// </summary>
    public IReadOnlyList<SassLoop> Loops { get; } = Instructions
        .Where(i => i.IsBackwardBranch)
        .GroupBy(i => i.BranchTarget!.Value)
        .Select(g => (Start: g.Key, End: g.Max(i => i.Address)))
        .OrderBy(r => r.Start)
        .Select(r => new SassLoop(r.Start, r.End, Instructions.Where(i => i.Address >= r.Start && i.Address <= r.End).ToList()))
        .ToList();

    /// <summary>The hot loops: loops that contain no other loop.</summary>
    public IReadOnlyList<SassLoop> InnermostLoops => Loops.Where(l => !Loops.Any(l.Contains)).ToList();
}
