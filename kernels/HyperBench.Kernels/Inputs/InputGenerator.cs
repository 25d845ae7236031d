namespace HyperBench.Kernels.Inputs;

/// <summary>Deterministic inputs from a seed. Every (tensor, seed) pair gives the same floats on every machine.</summary>
public static class InputGenerator
{
    /// <summary>I.i.d. N(0, 1) floats (Box-Muller over a seeded xoshiro-like generator), identical across runtimes.</summary>
    public static float[] Normal(int length, ulong seed, float scale = 1f)
    {
        var result = new float[length];
        FillNormal(result, seed, scale);
        return result;
    }

    /// <summary>
    /// Fills in chunks of <see cref="ChunkLength"/> elements, each from its own derived seed, in parallel: the values depend
    /// only on (seed, index), never on the thread count.
    /// </summary>
    public static void FillNormal(float[] destination, ulong seed, float scale = 1f)
    {
        int chunks = (int)((destination.LongLength + ChunkLength - 1) / ChunkLength);
        Parallel.For(0, chunks, chunk =>
        {
            int start = chunk * ChunkLength;
            int length = Math.Min(ChunkLength, destination.Length - start);
            FillChunk(destination.AsSpan(start, length), StreamSeed(seed, chunk), scale);
        });
    }

    /// <summary>Elements per independently seeded chunk.</summary>
    public const int ChunkLength = 1 << 16;

    private static void FillChunk(Span<float> destination, ulong seed, float scale)
    {
        ulong state = seed * 0x9E3779B97F4A7C15UL + 0xD1B54A32D192ED03UL;
        for (int i = 0; i < destination.Length; i += 2)
        {
            double u1 = (NextUInt64(ref state) >> 11) * (1.0 / (1UL << 53));
            double u2 = (NextUInt64(ref state) >> 11) * (1.0 / (1UL << 53));
            double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u1));
            double theta = 2.0 * Math.PI * u2;
            destination[i] = (float)(r * Math.Cos(theta)) * scale;
            if (i + 1 < destination.Length) destination[i + 1] = (float)(r * Math.Sin(theta)) * scale;
        }
    }

    /// <summary>Derives an independent stream seed for one named tensor of a case.</summary>
    public static ulong StreamSeed(ulong seed, int stream) => SplitMix(seed ^ ((ulong)(stream + 1) * 0xBF58476D1CE4E5B9UL));

    private static ulong NextUInt64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return SplitMix(state);
    }

    private static ulong SplitMix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
