namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// The vector operations the CPU kernels use, at one width (<see cref="Lanes256"/>, <see cref="Lanes512"/>), so one generic
/// body serves both AVX2 and AVX-512. .NET 10 has no public width-generic vector interface (ISimdVector is internal); the
/// implementations are value types whose members are aggressively inlined, so the JIT compiles each instantiation to the
/// same instructions as code written for that width.
/// </summary>
internal unsafe interface IFloatLanes<TVec> where TVec : struct
{
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Load(float* p);

    static abstract void Store(TVec x, float* p);

    static abstract TVec Broadcast(float x);

    static abstract TVec Add(TVec x, TVec y);

    static abstract TVec Subtract(TVec x, TVec y);

    static abstract TVec Multiply(TVec x, TVec y);

    /// <summary>x * y + z (fused where the hardware has it).</summary>
    static abstract TVec MultiplyAdd(TVec x, TVec y, TVec z);

    static abstract TVec Max(TVec x, TVec y);

    static abstract TVec Min(TVec x, TVec y);

    /// <summary>
    /// min(max(x, lo), hi) with constant bounds: built from the constants inside the implementation, so the JIT sees a
    /// constant operand and emits plain vmaxps / vminps (given a vector argument it emitted the NaN-exact vrangeps form).
    /// </summary>
    static abstract TVec Clamp(TVec x, float lo, float hi);

    static abstract TVec Round(TVec x);

    /// <summary>x with every -inf lane replaced by 0.</summary>
    static abstract TVec NegativeInfinityToZero(TVec x);

    /// <summary>x with every lane where <paramref name="below"/> &lt; <paramref name="limit"/> set to 0.</summary>
    static abstract TVec ZeroWhereLess(TVec x, TVec below, TVec limit);

    /// <summary>2^n for integral n in [-127, 128], through the exponent bits.</summary>
    static abstract TVec Pow2(TVec n);
}
