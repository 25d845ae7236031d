using System.Runtime.CompilerServices;
using ILGPU;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The 16-bit and tf32 formats of the tensor-core kernels, as bit patterns, written with integer operations only so that the
/// same code runs on the host (input rounding), in ILGPU kernels on the CPU accelerator (the mma emulation) and on a GPU.
/// fp32 to bf16 and fp16 round to nearest even, as cvt.rn does; fp32 to tf32 rounds to nearest with ties away from zero, as
/// cvt.rna.tf32.f32 does. NaN stays NaN (quiet), infinities stay infinite, overflow rounds to infinity.
/// </summary>
public static class NarrowFloat
{
    /// <summary>fp32 to bf16 (8 significant bits), round to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToBf16(float x)
    {
        uint b = Interop.FloatAsInt(x);
        if ((b & 0x7FFF_FFFFu) > 0x7F80_0000u) return (ushort)((b >> 16) | 0x0040u);
        b += 0x7FFFu + ((b >> 16) & 1u);
        return (ushort)(b >> 16);
    }

    /// <summary>bf16 to fp32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromBf16(uint bits) => Interop.IntAsFloat((bits & 0xFFFFu) << 16);

    /// <summary>fp32 to IEEE fp16 (11 significant bits, subnormals below 2^-14), round to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToFp16(float x)
    {
        uint b = Interop.FloatAsInt(x);
        uint sign = (b >> 16) & 0x8000u;
        uint a = b & 0x7FFF_FFFFu;
        if (a > 0x7F80_0000u) return (ushort)(sign | 0x7E00u | ((a >> 13) & 0x3FFu));
        // 65520 = 65504 + half an ulp: ties to even round up to infinity (65504's last bit is odd).
        if (a >= 0x477F_F000u) return (ushort)(sign | 0x7C00u);
        if (a >= 0x3880_0000u)
        {
            // Normal: rebias the exponent (127 - 15 = 112) and round the 13 dropped bits; a carry moves into the exponent.
            a += 0x0FFFu + ((a >> 13) & 1u);
            return (ushort)(sign | ((a - 0x3800_0000u) >> 13));
        }
        // 2^-25 is half the smallest subnormal: it and everything below round to (signed) zero.
        if (a <= 0x3300_0000u) return (ushort)sign;
        // Subnormal: the result is round(x · 2^24) = m >> (126 - e) with the 24-bit significand m.
        int e = (int)(a >> 23);
        uint m = (a & 0x007F_FFFFu) | 0x0080_0000u;
        int shift = 126 - e;
        uint r = m >> shift;
        uint rem = m & ((1u << shift) - 1u);
        uint half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1u) != 0)) r++;
        return (ushort)(sign | r);
    }

    /// <summary>fp16 to fp32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromFp16(uint bits)
    {
        uint sign = (bits & 0x8000u) << 16;
        uint e = (bits >> 10) & 0x1Fu;
        uint m = bits & 0x3FFu;
        if (e == 0x1Fu) return Interop.IntAsFloat(sign | 0x7F80_0000u | (m << 13));
        if (e != 0) return Interop.IntAsFloat(sign | ((e + 112u) << 23) | (m << 13));
        // Subnormal or zero: m · 2^-24, exact in fp32.
        float v = m * 5.9604644775390625E-8f;
        return sign != 0 ? -v : v;
    }

    /// <summary>
    /// fp32 to tf32 (11 significant bits) as cvt.rna.tf32.f32 does: round to nearest, ties away from zero; the 13 low bits
    /// of the result are zero, so it is also the fp32 value of the tf32 number. Infinities and NaN pass through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint ToTf32(float x)
    {
        uint b = Interop.FloatAsInt(x);
        if ((b & 0x7F80_0000u) != 0x7F80_0000u) b += 0x1000u;
        return b & 0xFFFF_E000u;
    }

    /// <summary>
    /// The 3xTF32 split: big = tf32(x), small = tf32(x - big). x - big is exact in fp32, so big + small carries 22 of x's 24
    /// significant bits; a·b ≈ big_a·big_b + big_a·small_b + small_a·big_b drops small·small (relative size 2^-22).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SplitTf32(float x, out uint big, out uint small)
    {
        big = ToTf32(x);
        small = ToTf32(x - Interop.IntAsFloat(big));
    }
}
