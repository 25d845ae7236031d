namespace HyperBench.Kernels;

/// <summary>
/// The one spelling of an <see cref="AttentionPass"/>: fwd, fwdbwd and bwd go into case ids, stored rows, reports and options;
/// fwd+bwd is accepted as another spelling of fwdbwd.
/// </summary>
public static class AttentionPassNames
{
    /// <summary>Every accepted spelling and the pass it names.</summary>
    public static IReadOnlyDictionary<string, AttentionPass> Spellings { get; } = new Dictionary<string, AttentionPass>
    {
        ["fwd"] = AttentionPass.Forward,
        ["fwdbwd"] = AttentionPass.ForwardBackward,
        ["fwd+bwd"] = AttentionPass.ForwardBackward,
        ["bwd"] = AttentionPass.Backward,
    };

    public static string Name(this AttentionPass pass) => pass switch
    {
        AttentionPass.Forward => "fwd",
        AttentionPass.ForwardBackward => "fwdbwd",
        AttentionPass.Backward => "bwd",
        _ => throw new ArgumentOutOfRangeException(nameof(pass), pass, $"pass {(int)pass} is not defined."),
    };

    /// <summary>Whether the pass runs the backward (so needs dO, the gradients and the forward's O and lse).</summary>
    public static bool HasBackward(this AttentionPass pass) => pass != AttentionPass.Forward;
}
