namespace HyperBench.Kernels.Backends.Ilgpu.Ptx;

/// <summary>One SASS instruction from <c>cuobjdump -sass</c>.</summary>
/// <param name="Address">Byte offset in the function.</param>
/// <param name="Predicate">Guard such as <c>@!P0</c>, or null.</param>
/// <param name="Opcode">Opcode with its modifiers, e.g. <c>LDS.U.128</c>.</param>
/// <param name="Operands">The rest of the instruction text.</param>
/// <param name="BranchTarget">For BRA, the target address.</param>
public sealed record SassInstruction(int Address, string? Predicate, string Opcode, string Operands, int? BranchTarget)
{
    /// <summary>The opcode without modifiers (<c>LDS</c> for <c>LDS.U.128</c>).</summary>
    public string BaseOpcode => Opcode.Split('.')[0];

    /// <summary>Opcode modifiers (<c>U</c>, <c>128</c> for <c>LDS.U.128</c>).</summary>
    public IReadOnlyList<string> Modifiers => Opcode.Split('.')[1..];

    /// <summary>A branch to a lower address: the back edge of a loop.</summary>
    public bool IsBackwardBranch => BranchTarget is { } t && t < Address;
}
