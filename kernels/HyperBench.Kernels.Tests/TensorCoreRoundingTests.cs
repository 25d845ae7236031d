using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Tests;

/// <summary>The number formats of the tensor-core kernels (<see cref="NarrowFloat"/>): rounding, specials and the 3xTF32 split.</summary>
public sealed class TensorCoreRoundingTests
{
    [Fact]
    public void ToFp16_RandomAndEdgeValues_MatchesSystemHalf()
    {
        // System.Half's conversion from float rounds to nearest even, subnormals and overflow included.
        var rng = new Random(13);
        var values = new List<float>
        {
            0f, -0f, 1f, -1f, 65504f, 65519.996f, 65520f, 1e6f, -1e6f, 6.1035156e-5f, 6.0975552e-5f, 5.9604645e-8f, 2.9802322e-8f,
            2.9802326e-8f, 8.940697e-8f, 1e-10f, 0.33333334f, 1.0009766f, 1.00048828125f, 1.00146484375f, float.Epsilon,
            float.PositiveInfinity, float.NegativeInfinity, float.MaxValue,
        };
        for (int i = 0; i < 200_000; i++) values.Add(BitConverter.Int32BitsToSingle(rng.Next() | (rng.Next(2) << 31)));
        foreach (float x in values)
        {
            if (float.IsNaN(x)) continue;
            ushort expected = BitConverter.HalfToUInt16Bits((Half)x);
            Assert.True(expected == NarrowFloat.ToFp16(x), $"{x:R} (0x{BitConverter.SingleToUInt32Bits(x):X8}): 0x{NarrowFloat.ToFp16(x):X4}, System.Half 0x{expected:X4}");
            Assert.Equal((float)(Half)x, NarrowFloat.FromFp16(expected));
        }
    }

    [Fact]
    public void FromFp16_EveryBitPattern_MatchesSystemHalf()
    {
        for (int h = 0; h < 65536; h++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)h);
            float actual = NarrowFloat.FromFp16((uint)h);
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(actual), $"0x{h:X4}");
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(actual));
        }
    }

    [Theory]
    [InlineData(0x3F80_0000, 0x3F80)]      // 1
    [InlineData(0x3F80_8000, 0x3F80)]      // 1 + 2^-8: halfway between 1 and 1 + 2^-7, ties to even (down)
    [InlineData(0x3F81_8000, 0x3F82)]      // 1 + 3·2^-8: halfway, ties to even (up)
    [InlineData(0x3F80_8001, 0x3F81)]      // just above halfway rounds up
    [InlineData(unchecked((int)0xC020_0000), 0xC020)] // -2.5
    [InlineData(0x7F7F_7FFF, 0x7F7F)]      // just below the largest bf16 + half an ulp: the largest finite bf16
    [InlineData(0x7F7F_8000, 0x7F80)]      // halfway to 2^128, ties to even: infinity
    [InlineData(0x7F80_0000, 0x7F80)]      // +inf
    [InlineData(unchecked((int)0xFF80_0000), 0xFF80)] // -inf
    public void ToBf16_RoundsToNearestEven(int bits, int expected)
    {
        Assert.Equal((ushort)expected, NarrowFloat.ToBf16(BitConverter.Int32BitsToSingle(bits)));
    }

    [Fact]
    public void ToBf16_RandomValues_AreTheNearestBf16()
    {
        var rng = new Random(14);
        for (int i = 0; i < 100_000; i++)
        {
            float x = (float)(rng.NextDouble() * 2 - 1) * MathF.Pow(2, rng.Next(-100, 100));
            ushort b = NarrowFloat.ToBf16(x);
            double err = Math.Abs(NarrowFloat.FromBf16(b) - (double)x);
            // The neighbours one bf16 ulp away are never closer.
            double up = Math.Abs(NarrowFloat.FromBf16((ushort)(b + 1)) - (double)x), down = Math.Abs(NarrowFloat.FromBf16((ushort)(b - 1)) - (double)x);
            Assert.True(err <= up && err <= down, $"{x:R}: 0x{b:X4}");
            Assert.True(err <= Math.Abs(x) * Math.Pow(2, -8), $"{x:R}: relative error above 2^-8");
        }
    }

    [Fact]
    public void ToBf16AndFp16_NaN_StaysNaN()
    {
        foreach (float nan in new[] { float.NaN, BitConverter.Int32BitsToSingle(0x7F800001), BitConverter.Int32BitsToSingle(unchecked((int)0xFFC00000)) })
        {
            Assert.True(float.IsNaN(NarrowFloat.FromBf16(NarrowFloat.ToBf16(nan))));
            Assert.True(float.IsNaN(NarrowFloat.FromFp16(NarrowFloat.ToFp16(nan))));
        }
    }

    [Fact]
    public void SplitTf32_RandomValues_BigPlusSmallCarriesTwentyTwoBits()
    {
        var rng = new Random(15);
        for (int i = 0; i < 100_000; i++)
        {
            float x = (float)(rng.NextDouble() * 2 - 1) * MathF.Pow(2, rng.Next(-60, 60));
            NarrowFloat.SplitTf32(x, out uint big, out uint small);
            float b = BitConverter.UInt32BitsToSingle(big), s = BitConverter.UInt32BitsToSingle(small);
            // tf32 values: the 13 low bits are zero; big is x to nearest (ties away), |small| at most half an ulp of big.
            Assert.Equal(0u, big & 0x1FFFu);
            Assert.Equal(0u, small & 0x1FFFu);
            Assert.True(Math.Abs(x - (double)b) <= Math.Abs((double)b) * Math.Pow(2, -11), $"{x:R}: big {b:R}");
            Assert.True(Math.Abs(x - ((double)b + s)) <= Math.Abs((double)x) * Math.Pow(2, -21), $"{x:R}: big + small = {(double)b + s:R}");
        }
    }

    [Fact]
    public void ToTf32_Halfway_RoundsAwayFromZero()
    {
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10 (tf32 keeps 10 fraction bits): cvt.rna goes away from zero.
        Assert.Equal(BitConverter.SingleToUInt32Bits(1f + MathF.Pow(2, -10)), NarrowFloat.ToTf32(1f + MathF.Pow(2, -11)));
        Assert.Equal(BitConverter.SingleToUInt32Bits(-1f - MathF.Pow(2, -10)), NarrowFloat.ToTf32(-1f - MathF.Pow(2, -11)));
        Assert.Equal(BitConverter.SingleToUInt32Bits(float.PositiveInfinity), NarrowFloat.ToTf32(float.PositiveInfinity));
    }
}
