namespace HyperBench.Kernels;

/// <summary>
/// HyperAttention's parameters (docs/algorithms.md section 3), part of a hyper case's identity and stored with its results.
/// Defaults are the authors': r = 7 LSH projections, blocks of b = 256, m = 256 sampled keys, exact below min_seq_len = 4096.
/// </summary>
/// <param name="LshProjections">r: Gaussian projections per sortLSH hash (2^r buckets).</param>
/// <param name="BlockSize">b: rows per block of the block-diagonal part; a power of two.</param>
/// <param name="Samples">m: keys sampled per (batch, head) for the residual part.</param>
/// <param name="MinSeqLen">Causal recursion stops (exact causal flash) at or below this length; with <paramref name="ShortExact"/>, also
/// every (sub)problem with fewer queries runs exactly (docs/variants.md).</param>
/// <param name="Sampling">uniform (the authors' code) or value-norm (the paper: by the row norms of V).</param>
/// <param name="BucketOrder">How sortLSH orders buckets (docs/variants.md): rank (ours) or gray (the authors').</param>
/// <param name="Resample">When sampled keys are drawn: once per prepared case (ours) or on every run (the authors').</param>
/// <param name="ShortExact">Non-causal problems shorter than min_seq_len run exactly, as the authors' code does.</param>
/// <param name="Gradient">exact (the gradient of the approximation, ours) or detached-lse (the authors' rule).</param>
public sealed record HyperParameters(
    int LshProjections = 7,
    int BlockSize = 256,
    int Samples = 256,
    int MinSeqLen = 4096,
    string Sampling = "uniform",
    BucketOrder BucketOrder = BucketOrder.Rank,
    Resample Resample = Resample.Once,
    bool ShortExact = false,
    HyperGradient Gradient = HyperGradient.Exact)
{
    public static HyperParameters Default { get; } = new();

    public static IReadOnlyList<string> SupportedSampling { get; } = ["uniform", "value-norm"];

    /// <summary>Throws with a message naming the bad value.</summary>
    public void Validate()
    {
        if (LshProjections is < 1 or > 16)
            throw new ArgumentOutOfRangeException(nameof(LshProjections), LshProjections, $"LSH projections r = {LshProjections} must be in 1..16.");
        if (BlockSize < 1 || (BlockSize & (BlockSize - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize, $"block size b = {BlockSize} must be a power of two >= 1.");
        if (Samples < 1)
            throw new ArgumentOutOfRangeException(nameof(Samples), Samples, $"samples m = {Samples} must be >= 1.");
        if (MinSeqLen < 1)
            throw new ArgumentOutOfRangeException(nameof(MinSeqLen), MinSeqLen, $"min_seq_len = {MinSeqLen} must be >= 1.");
        if (!SupportedSampling.Contains(Sampling))
            throw new ArgumentOutOfRangeException(nameof(Sampling), Sampling, $"sampling '{Sampling}' is not supported; supported: {string.Join(", ", SupportedSampling)}.");
    }

    /// <summary>
    /// The parameters as text, part of a hyper case's id. A variant appears only when it differs from our default, so the ids of
    /// cases stored before the variants existed are unchanged.
    /// </summary>
    public string Canonical =>
        $"r={LshProjections};b={BlockSize};m={Samples};min_seq_len={MinSeqLen};sampling={Sampling}" +
        (BucketOrder != BucketOrder.Rank ? $";order={BucketOrder.Name()}" : "") +
        (Resample != Resample.Once ? $";resample={Resample.Name()}" : "") +
        (ShortExact ? ";short_exact=1" : "") +
        (Gradient != HyperGradient.Exact ? $";grad={Gradient.Name()}" : "");
}
