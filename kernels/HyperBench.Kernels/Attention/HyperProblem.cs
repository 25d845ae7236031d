namespace HyperBench.Kernels.Attention;

/// <summary>
/// One non-causal HyperAttention sub-problem: query rows [QueryStart, +QueryCount) attend (approximately) to key rows
/// [KeyStart, +KeyCount) of the full [batch, heads, n, d] tensors. A whole (batch, head) when non-causal; an off-diagonal
/// bottom-left half of the causal recursion otherwise.
/// </summary>
internal readonly record struct HyperProblem(int QueryStart, int QueryCount, int KeyStart, int KeyCount, int Slice);
