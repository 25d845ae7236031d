namespace HyperBench.Kernels.Backends;

/// <summary>The reflected Gray sequence sortLSH orders its buckets by (docs/algorithms.md section 3, step 1).</summary>
public static class GrayCode
{
    /// <summary>
    /// The inverse Gray code: the position of <paramref name="code"/> in the reflected Gray sequence 0, 1, 3, 2, 6, 7, 5, 4, ...
    /// (prefix XOR of its bits), for codes of up to 16 bits. Plain integer code, so the ILGPU kernels call it too.
    /// </summary>
    public static int Rank(int code)
    {
        code ^= code >> 1;
        code ^= code >> 2;
        code ^= code >> 4;
        code ^= code >> 8;
        return code;
    }
}
