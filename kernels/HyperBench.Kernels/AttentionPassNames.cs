namespace HyperBench.Kernels;

/// <summary>
/// The one spelling of an <see cref="AttentionPass"/>: fwd and fwdbwd go into case ids, stored rows, reports and options;
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
    };

    public static string Name(this AttentionPass pass) => pass == AttentionPass.Forward ? "fwd" : "fwdbwd";
}
