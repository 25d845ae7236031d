using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// One dense attention sub-problem: rows [QueryStart, QueryStart + QueryCount) of the query buffer attend to
/// rows [KeyStart, KeyStart + KeyCount) of the key/value buffers. Row offsets count rows of d floats.
/// With <see cref="Causal"/> = 1, local key j is visible to local query i only when j &lt;= i.
/// Flash is one segment per (batch, head); HyperAttention's blocks and samples are many small ones.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct AttentionSegment(int QueryStart, int QueryCount, int KeyStart, int KeyCount, int Causal)
{
    /// <summary>A whole [batch, heads, n, d] problem: one segment per (batch, head), as flash and the exact reference run it.</summary>
    public static AttentionSegment[] PerSlice(AttentionShape shape, bool causal)
    {
        var segments = new AttentionSegment[shape.Slices];
        for (int s = 0; s < segments.Length; s++)
            segments[s] = new AttentionSegment(s * shape.N, shape.N, s * shape.N, shape.N, causal ? 1 : 0);
        return segments;
    }
}
