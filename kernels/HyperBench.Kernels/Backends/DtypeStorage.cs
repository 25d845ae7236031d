using System.Runtime.InteropServices;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// How a case's input tensors are stored at a <see cref="Dtype"/>: fp32 and tf32x3 as fp32 (tf32x3 splits on the fly), bf16 and
/// fp16 as 16-bit bit patterns packed two per 32-bit word (the storage of <see cref="ITensorCorePlan"/>). Outputs (O, lse) and
/// gradients are fp32 at every dtype. Values are rounded once, on the host (<see cref="Round"/>), so packing is exact.
/// </summary>
public static class DtypeStorage
{
    /// <summary>Bytes of one stored input element.</summary>
    public static int ElementBytes(this Dtype dtype) => dtype is Dtype.Bf16 or Dtype.Fp16 ? 2 : 4;

    /// <summary>fp32 words a tensor of <paramref name="elements"/> values occupies in storage.</summary>
    public static long StoredWords(this Dtype dtype, long elements) => dtype.ElementBytes() == 2 ? (elements + 1) / 2 : elements;

    /// <summary>
    /// Rounds <paramref name="values"/> in place to the nearest value the dtype stores (round to nearest even, as cvt.rn does);
    /// fp32 and tf32x3 store fp32, so they are left as they are.
    /// </summary>
    public static void Round(this Dtype dtype, Span<float> values)
    {
        switch (dtype)
        {
            case Dtype.Bf16:
                for (int i = 0; i < values.Length; i++) values[i] = NarrowFloat.FromBf16(NarrowFloat.ToBf16(values[i]));
                break;
            case Dtype.Fp16:
                for (int i = 0; i < values.Length; i++) values[i] = NarrowFloat.FromFp16(NarrowFloat.ToFp16(values[i]));
                break;
        }
    }

    /// <summary>The dtype's 16-bit pattern of each value (bf16 or fp16 only).</summary>
    public static ushort[] Bits(this Dtype dtype, ReadOnlySpan<float> values)
    {
        var bits = new ushort[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = dtype switch
            {
                Dtype.Bf16 => NarrowFloat.ToBf16(values[i]),
                Dtype.Fp16 => NarrowFloat.ToFp16(values[i]),
                _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"{dtype.Name()} is not stored as 16 bits."),
            };
        return bits;
    }

    /// <summary>16-bit values packed two per word (element 2i in the low half of word i), at least one word.</summary>
    public static float[] PackBits(ReadOnlySpan<ushort> bits)
    {
        var words = new float[Math.Max((bits.Length + 1) / 2, 1)];
        MemoryMarshal.AsBytes(bits).CopyTo(MemoryMarshal.AsBytes(words.AsSpan()));
        return words;
    }

    /// <summary>The words to upload for <paramref name="values"/> (already rounded by <see cref="Round"/>, so packing loses nothing).</summary>
    public static float[] Pack(this Dtype dtype, ReadOnlySpan<float> values) =>
        dtype.ElementBytes() == 2 ? PackBits(dtype.Bits(values)) : values.ToArray();

    /// <summary>The values of stored words (the inverse of <see cref="Pack"/>): <paramref name="destination"/>.Length values.</summary>
    public static void Unpack(this Dtype dtype, ReadOnlySpan<float> words, Span<float> destination)
    {
        if (dtype.ElementBytes() == 4)
        {
            words[..destination.Length].CopyTo(destination);
            return;
        }
        var bits = MemoryMarshal.Cast<float, ushort>(words);
        for (int i = 0; i < destination.Length; i++)
            destination[i] = dtype == Dtype.Bf16 ? NarrowFloat.FromBf16(bits[i]) : NarrowFloat.FromFp16(bits[i]);
    }
}
