using HyperBench.Kernels.Attention;
using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Tests;

/// <summary>Runs HyperAttention on host arrays (upload, forward, optional backward, download) and keeps its sparse pattern.</summary>
internal static class HyperHost
{
    public sealed record Result(float[] O, float[] Lse, float[]? DQ, float[]? DK, float[]? DV, (int Query, int Key, float LogWeight)[] Pattern)
    {
        /// <summary>The pattern with each term's piece (<see cref="HyperAttention.PieceEntries"/>).</summary>
        public (int Query, int Key, float LogWeight, int Piece)[] Pieces { get; init; } = [];
    }

    public static Result Run(IAttentionBackend backend, AttentionShape shape, bool causal, HyperParameters parameters, ulong seed,
        float[] q, float[] k, float[] v, float[]? dO = null, bool keepPattern = true)
    {
        using var hyper = new HyperAttention(backend, shape, causal, parameters, seed);
        var r = HostAttention.Run(backend, hyper, shape, q, k, v, dO);
        var pieces = keepPattern ? hyper.PieceEntries().ToArray() : [];
        return new Result(r.O, r.Lse, r.DQ, r.DK, r.DV, [.. pieces.Select(e => (e.Query, e.Key, e.LogWeight))]) { Pieces = pieces };
    }
}
