using System.Runtime.CompilerServices;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// A 16-bit input format of the m16n8k16 kernels: its mma and its rounding of P for P·V. A struct type argument, so ILGPU
/// compiles one specialisation per format with the calls inlined.
/// </summary>
internal interface IMma16
{
    /// <summary>c += A·B (register layout: <see cref="MmaSync"/>).</summary>
    void Mma(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1);

    /// <summary>Two fp32 values rounded to this format and packed, <paramref name="lo"/> in the low half.</summary>
    uint Pack(float lo, float hi);

    /// <summary>The 16-bit value in the low half of <paramref name="bits"/> as fp32 (exact).</summary>
    float Widen(uint bits);
}

internal readonly struct Bf16Mma : IMma16
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mma(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1) => MmaSync.Bf16(ref c, a0, a1, a2, a3, b0, b1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Pack(float lo, float hi) => MmaSync.PackBf16(lo, hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Widen(uint bits) => NarrowFloat.FromBf16(bits);
}

internal readonly struct Fp16Mma : IMma16
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Mma(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1) => MmaSync.Fp16(ref c, a0, a1, a2, a3, b0, b1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Pack(float lo, float hi) => MmaSync.PackFp16(lo, hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Widen(uint bits) => NarrowFloat.FromFp16(bits & 0xFFFFu);
}
