using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The warp-wide tensor-core instructions the <see cref="MmaForwardKernels"/> use, as inline PTX on CUDA. On any other
/// accelerator (ILGPU's CPU accelerator) each one is emulated from the very registers the PTX would receive, element by
/// element as the PTX ISA lays the fragments out over the lanes ("Matrix Fragments for mma.m16n8k16 / m16n8k8"), with an
/// exchange through shared memory in place of the tensor core's operand network; so the CPU tests check every lane's index
/// maths and the packing of the registers. With g = lane / 4 and t = lane % 4:
/// <list type="bullet">
/// <item>m16n8k16 A (16x16, row): a0 = (g, 2t..2t+1), a1 = (g+8, 2t..2t+1), a2 = (g, 2t+8..2t+9), a3 = (g+8, 2t+8..2t+9),
/// two 16-bit values per register, the lower column in the low half.</item>
/// <item>m16n8k16 B (16x8, col): b0 = (k 2t..2t+1, n g), b1 = (k 2t+8..2t+9, n g).</item>
/// <item>m16n8k8 tf32 A (16x8): a0 = (g, t), a1 = (g+8, t), a2 = (g, t+4), a3 = (g+8, t+4); B (8x8): b0 = (k t, n g), b1 = (k t+4, n g).</item>
/// <item>C/D (16x8 fp32), both shapes: see <see cref="FragC"/>.</item>
/// </list>
/// </summary>
internal static class MmaSync
{
    /// <summary>c += A·B, m16n8k16, bf16 inputs, fp32 accumulate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Bf16(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
            Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
            CudaAsm.EmitRef("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
                ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
            c.C0 = d0.Value; c.C1 = d1.Value; c.C2 = d2.Value; c.C3 = d3.Value;
        }
        else
        {
            Emulate16(ref c, a0, a1, a2, a3, b0, b1, true);
        }
    }

    /// <summary>c += A·B, m16n8k16, fp16 inputs, fp32 accumulate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fp16(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
            Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
            CudaAsm.EmitRef("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
                ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
            c.C0 = d0.Value; c.C1 = d1.Value; c.C2 = d2.Value; c.C3 = d3.Value;
        }
        else
        {
            Emulate16(ref c, a0, a1, a2, a3, b0, b1, false);
        }
    }

    /// <summary>c += A·B, m16n8k8, tf32 inputs (fp32 bit patterns whose 13 low bits are ignored), fp32 accumulate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tf32(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        if (CudaAsm.IsSupported)
        {
            Ref<float> d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
            Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
            CudaAsm.EmitRef("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
                ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
            c.C0 = d0.Value; c.C1 = d1.Value; c.C2 = d2.Value; c.C3 = d3.Value;
        }
        else
        {
            EmulateTf32(ref c, a0, a1, a2, a3, b0, b1);
        }
    }

    /// <summary>Two fp32 values as one register of two 16-bit values (<paramref name="lo"/> in the low half), rounded to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint PackBf16(float lo, float hi)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("cvt.rn.bf16x2.f32 %0, %1, %2;", out uint d, hi, lo);
            return d;
        }
        return NarrowFloat.ToBf16(lo) | ((uint)NarrowFloat.ToBf16(hi) << 16);
    }

    /// <summary>As <see cref="PackBf16"/>, to fp16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint PackFp16(float lo, float hi)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("cvt.rn.f16x2.f32 %0, %1, %2;", out uint d, hi, lo);
            return d;
        }
        return NarrowFloat.ToFp16(lo) | ((uint)NarrowFloat.ToFp16(hi) << 16);
    }

    /// <summary>Words of the CPU emulation's exchange area per warp: each lane's six mma registers.</summary>
    public const int ExchangeWordsPerWarp = 32 * 6;

    /// <summary>
    /// m16n8k16 on the CPU: every lane publishes its six registers in the warp's exchange area (dynamic shared memory, requested
    /// only on the CPU accelerator), then lane (g, t) reads rows g and g+8 of A and columns 2t and 2t+1 of B, register pair by
    /// register pair (k = 2p, 2p+1 for p = 0..7), from the lanes the PTX ISA assigns them to, and accumulates in fp32. Two warp
    /// barriers per mma: a warp shuffle per operand (32 per mma) made the CPU tests too slow to run.
    /// </summary>
    private static void Emulate16(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1, bool bf16)
    {
        var x = Publish(a0, a1, a2, a3, b0, b1);
        int lane = Warp.LaneIdx;
        int g = lane >> 2, t = lane & 3;
        for (int p = 0; p < 8; p++)
        {
            // Columns 2p, 2p+1 of A: row g in a0 (p < 4) or a2, row g+8 in a1 or a3, of lane g·4 + p % 4.
            int aLane = (g * 4 + (p & 3)) * 6;
            uint top = x[aLane + (p < 4 ? 0 : 2)];
            uint bottom = x[aLane + (p < 4 ? 1 : 3)];
            // Rows 2p, 2p+1 of B: column n in b0 (p < 4) or b1 of lane n·4 + p % 4.
            uint left = x[(2 * t * 4 + (p & 3)) * 6 + (p < 4 ? 4 : 5)];
            uint right = x[((2 * t + 1) * 4 + (p & 3)) * 6 + (p < 4 ? 4 : 5)];
            float top0 = Unpack(top, bf16), top1 = Unpack(top >> 16, bf16);
            float bottom0 = Unpack(bottom, bf16), bottom1 = Unpack(bottom >> 16, bf16);
            float left0 = Unpack(left, bf16), left1 = Unpack(left >> 16, bf16);
            float right0 = Unpack(right, bf16), right1 = Unpack(right >> 16, bf16);
            c.C0 += top0 * left0 + top1 * left1;
            c.C1 += top0 * right0 + top1 * right1;
            c.C2 += bottom0 * left0 + bottom1 * left1;
            c.C3 += bottom0 * right0 + bottom1 * right1;
        }
        Warp.Barrier();
    }

    /// <summary>m16n8k8 tf32 on the CPU: as <see cref="Emulate16"/>, one k per step (k = p, p+4 in the second register).</summary>
    private static void EmulateTf32(ref FragC c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        var x = Publish(a0, a1, a2, a3, b0, b1);
        int lane = Warp.LaneIdx;
        int g = lane >> 2, t = lane & 3;
        for (int k = 0; k < 8; k++)
        {
            int aLane = (g * 4 + (k & 3)) * 6;
            float top = Tf32Value(x[aLane + (k < 4 ? 0 : 2)]);
            float bottom = Tf32Value(x[aLane + (k < 4 ? 1 : 3)]);
            float left = Tf32Value(x[(2 * t * 4 + (k & 3)) * 6 + (k < 4 ? 4 : 5)]);
            float right = Tf32Value(x[((2 * t + 1) * 4 + (k & 3)) * 6 + (k < 4 ? 4 : 5)]);
            c.C0 += top * left;
            c.C1 += top * right;
            c.C2 += bottom * left;
            c.C3 += bottom * right;
        }
        Warp.Barrier();
    }

    /// <summary>Writes this lane's registers into its warp's exchange area and waits for the whole warp; returns the area.</summary>
    private static ArrayView<uint> Publish(uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        var x = SharedMemory.GetDynamic<uint>().SubView((Group.IdxX >> 5) * ExchangeWordsPerWarp, ExchangeWordsPerWarp);
        int at = Warp.LaneIdx * 6;
        x[at] = a0;
        x[at + 1] = a1;
        x[at + 2] = a2;
        x[at + 3] = a3;
        x[at + 4] = b0;
        x[at + 5] = b1;
        Warp.Barrier();
        return x;
    }

    private static float Unpack(uint bits, bool bf16) => bf16 ? NarrowFloat.FromBf16(bits & 0xFFFFu) : NarrowFloat.FromFp16(bits & 0xFFFFu);

    /// <summary>The tensor core reads the 19 high bits of a tf32 operand.</summary>
    private static float Tf32Value(uint bits) => Interop.IntAsFloat(bits & 0xFFFF_E000u);
}
