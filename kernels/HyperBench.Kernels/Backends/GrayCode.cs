namespace HyperBench.Kernels.Backends;

/// <summary>The reflected Gray sequence sortLSH orders its buckets by (docs/algorithms.md section 3, step 1; docs/variants.md).</summary>
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

    /// <summary>The reflected Gray code of <paramref name="value"/>: value ^ (value &gt;&gt; 1), the inverse of <see cref="Rank"/>.</summary>
    public static int Code(int value) => value ^ (value >> 1);

    /// <summary>
    /// The sort key of every bucket for <paramref name="order"/>, indexed by what the LSH kernels emit (<see cref="Rank"/> of the
    /// sign bits c): rank order sorts by that value itself; gray order (the authors') by c ^ (c &gt;&gt; 1), and c = Code(rank).
    /// Applied on the host where the rows are sorted, so the kernels stay one for both orders.
    /// </summary>
    public static int[] SortKeys(int bits, BucketOrder order)
    {
        var keys = new int[1 << bits];
        for (int rank = 0; rank < keys.Length; rank++)
            keys[rank] = order switch
            {
                BucketOrder.Rank => rank,
                BucketOrder.Gray => Code(Code(rank)),
                _ => throw new ArgumentOutOfRangeException(nameof(order), order, $"bucket order {(int)order} is not defined."),
            };
        return keys;
    }
}
