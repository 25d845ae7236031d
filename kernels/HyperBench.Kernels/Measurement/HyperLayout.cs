namespace HyperBench.Kernels.Measurement;

/// <summary>
/// What sortLSH and sampling chose in a non-causal hyper run, per (batch, head): the query and key orders (row numbers within
/// the head) and the sampled keys (original key order, with repetitions). With b and m this recomputes the approximation.
/// </summary>
public sealed record HyperLayout(int BlockSize, int Samples, IReadOnlyList<int[]> QueryOrder, IReadOnlyList<int[]> KeyOrder, IReadOnlyList<int[]> SampledKeys);
