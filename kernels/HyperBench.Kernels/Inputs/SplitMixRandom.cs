namespace HyperBench.Kernels.Inputs;

/// <summary>
/// A tiny seeded generator (SplitMix64) for HyperAttention's sampling: the same draws on every runtime and machine,
/// which System.Random does not promise across .NET versions.
/// </summary>
internal struct SplitMixRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound), by Lemire's multiply-shift (the bias is below 2^-32 for the bounds used here).</summary>
    public int NextInt(int bound) => (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
