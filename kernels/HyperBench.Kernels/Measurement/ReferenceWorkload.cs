using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The yardstick timed after every sample of a case when <see cref="MeasurementOptions.Reference"/> is set (docs/measurement.md,
/// "Reference samples"): exact attention over n = 256, d = 64, fp32, on the calling thread, as the CPU kernels compute it (4 x 16
/// register-tiled FMA products and a vectorised exp), in code of its own.
/// <para>
/// FROZEN. Its time stands for the machine's speed at the moment, so a regression detector can judge a case's time as a ratio to
/// it (docs/regressions.md). It must not share code with the kernels under test (a slowdown of theirs would slow it too and cancel
/// out) and must not change between builds: a change of it is a new reference with a new <see cref="Name"/>, and ratios across two
/// names are not comparable. It does the same kind of work as the kernels on purpose: a first version (one dot product and one
/// scalar exp per score) tracked the machine so poorly that the ratio to it moved 6-22% between processes where the plain time
/// moved 1-12% (2 x 16-61 processes, 2026-12-02).
/// </para>
/// </summary>
public sealed class ReferenceWorkload
{
    /// <summary>Which yardstick; bump the version on any change to the code below.</summary>
    public const string Name = "ref-attention-v1";

    /// <summary>The devices whose cases get reference samples: those that compute on this machine's CPU, which the reference times.</summary>
    public static bool Applies(Backends.DeviceKind kind) => kind is Backends.DeviceKind.Cpu or Backends.DeviceKind.IlgpuCpu;

    /// <summary>
    /// One per thread, made once: its memory stays where it was placed, so its time does not change with a new allocation's
    /// placement from one case to the next.
    /// </summary>
    public static ReferenceWorkload ForThisThread => t_instance ??= new ReferenceWorkload();

    [ThreadStatic]
    private static ReferenceWorkload? t_instance;

    private const int N = 512;
    private const int D = 64;
    private const int Rows = 4;   // query rows per register tile
    private const int Cols = 16;  // columns per register tile: two 8-float vectors
    private const int Alignment = 64;

    // Q (n x d), K transposed (d x n), V (n x d), O (n x d) and a 4 x n score tile in one pinned array, each at a 64-byte boundary:
    // unaligned vector loads that split cache lines would make the time depend on where the GC placed the array.
    private readonly float[] _memory;
    private readonly int _q, _kt, _v, _o, _s;
    private float _sink;

    public unsafe ReferenceWorkload()
    {
        const int floatsPerLine = Alignment / sizeof(float);
        _memory = GC.AllocateArray<float>(4 * N * D + Rows * N + floatsPerLine, pinned: true);
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory));
        _q = (int)((Alignment - (address & (Alignment - 1))) & (Alignment - 1)) / sizeof(float);
        _kt = _q + N * D;
        _v = _kt + N * D;
        _o = _v + N * D;
        _s = _o + N * D;
        // A fixed LCG: the same inputs in every process and build (no dependence on Random's algorithm).
        uint state = 12345;
        float Next()
        {
            state = state * 1664525 + 1013904223;
            return (state >> 8) / (float)(1 << 24) - 0.5f;
        }
        for (int i = 0; i < N * D; i++) _memory[_q + i] = Next();
        for (int j = 0; j < N; j++)
            for (int k = 0; k < D; k++) _memory[_kt + k * N + j] = Next();
        for (int i = 0; i < N * D; i++) _memory[_v + i] = Next();
    }

    /// <summary>One run: O = softmax(Q K^T / sqrt d) V, four query rows at a time. Compiled fully optimised at once (no JIT tiers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public unsafe void Run()
    {
        fixed (float* m = _memory)
        {
            float* q = m + _q, kt = m + _kt, v = m + _v, o = m + _o, s = m + _s;
            var inverse = stackalloc float[Rows];
            for (int i0 = 0; i0 < N; i0 += Rows)
            {
                Scores(q + i0 * D, kt, s);
                for (int r = 0; r < Rows; r++) inverse[r] = 1 / Softmax(s + r * N);
                Output(s, v, o + i0 * D, inverse);
            }
            _sink += o[0] + o[N * D - 1];
        }
    }

    /// <summary>Keeps the result observable, so no run can be optimised away.</summary>
    public float Sink => _sink;

    /// <summary>For tests: Q (n x d), K (n x d, untransposed), V (n x d) and the last run's O (n x d).</summary>
    internal (float[] Q, float[] K, float[] V, float[] O) Tensors()
    {
        var k = new float[N * D];
        for (int j = 0; j < N; j++)
            for (int c = 0; c < D; c++) k[j * D + c] = _memory[_kt + c * N + j];
        return (_memory.AsSpan(_q, N * D).ToArray(), k, _memory.AsSpan(_v, N * D).ToArray(), _memory.AsSpan(_o, N * D).ToArray());
    }

    /// <summary>S (4 x n) = Q rows (4 x d) x K^T (d x n) / sqrt d, a 4 x 16 tile of accumulators at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Scores(float* q, float* kt, float* s)
    {
        var scale = Vector256.Create(0.125f); // 1 / sqrt(64)
        for (int j = 0; j < N; j += Cols)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
            for (int k = 0; k < D; k++)
            {
                var b0 = Vector256.Load(kt + k * N + j);
                var b1 = Vector256.Load(kt + k * N + j + 8);
                var x0 = Vector256.Create(q[k]);
                var x1 = Vector256.Create(q[D + k]);
                var x2 = Vector256.Create(q[2 * D + k]);
                var x3 = Vector256.Create(q[3 * D + k]);
                a00 = Vector256.FusedMultiplyAdd(x0, b0, a00);
                a01 = Vector256.FusedMultiplyAdd(x0, b1, a01);
                a10 = Vector256.FusedMultiplyAdd(x1, b0, a10);
                a11 = Vector256.FusedMultiplyAdd(x1, b1, a11);
                a20 = Vector256.FusedMultiplyAdd(x2, b0, a20);
                a21 = Vector256.FusedMultiplyAdd(x2, b1, a21);
                a30 = Vector256.FusedMultiplyAdd(x3, b0, a30);
                a31 = Vector256.FusedMultiplyAdd(x3, b1, a31);
            }
            (a00 * scale).Store(s + j);
            (a01 * scale).Store(s + j + 8);
            (a10 * scale).Store(s + N + j);
            (a11 * scale).Store(s + N + j + 8);
            (a20 * scale).Store(s + 2 * N + j);
            (a21 * scale).Store(s + 2 * N + j + 8);
            (a30 * scale).Store(s + 3 * N + j);
            (a31 * scale).Store(s + 3 * N + j + 8);
        }
    }

    /// <summary>A row of scores becomes exp(s - max) in place; returns their sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe float Softmax(float* row)
    {
        var max = Vector256.Create(float.NegativeInfinity);
        for (int j = 0; j < N; j += 8) max = Vector256.Max(max, Vector256.Load(row + j));
        float m = float.NegativeInfinity;
        for (int l = 0; l < 8; l++) m = MathF.Max(m, max[l]);
        var vm = Vector256.Create(m);
        var sum = Vector256<float>.Zero;
        for (int j = 0; j < N; j += 8)
        {
            var e = Exp(Vector256.Load(row + j) - vm);
            e.Store(row + j);
            sum += e;
        }
        return Vector256.Sum(sum);
    }

    /// <summary>O rows (4 x d) = P (4 x n) x V (n x d), scaled by each row's 1 / sum; a 4 x 16 tile of accumulators at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Output(float* p, float* v, float* o, float* inverse)
    {
        for (int c = 0; c < D; c += Cols)
        {
            Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default;
            Vector256<float> a20 = default, a21 = default, a30 = default, a31 = default;
            for (int j = 0; j < N; j++)
            {
                var b0 = Vector256.Load(v + j * D + c);
                var b1 = Vector256.Load(v + j * D + c + 8);
                var x0 = Vector256.Create(p[j]);
                var x1 = Vector256.Create(p[N + j]);
                var x2 = Vector256.Create(p[2 * N + j]);
                var x3 = Vector256.Create(p[3 * N + j]);
                a00 = Vector256.FusedMultiplyAdd(x0, b0, a00);
                a01 = Vector256.FusedMultiplyAdd(x0, b1, a01);
                a10 = Vector256.FusedMultiplyAdd(x1, b0, a10);
                a11 = Vector256.FusedMultiplyAdd(x1, b1, a11);
                a20 = Vector256.FusedMultiplyAdd(x2, b0, a20);
                a21 = Vector256.FusedMultiplyAdd(x2, b1, a21);
                a30 = Vector256.FusedMultiplyAdd(x3, b0, a30);
                a31 = Vector256.FusedMultiplyAdd(x3, b1, a31);
            }
            (a00 * inverse[0]).Store(o + c);
            (a01 * inverse[0]).Store(o + c + 8);
            (a10 * inverse[1]).Store(o + D + c);
            (a11 * inverse[1]).Store(o + D + c + 8);
            (a20 * inverse[2]).Store(o + 2 * D + c);
            (a21 * inverse[2]).Store(o + 2 * D + c + 8);
            (a30 * inverse[3]).Store(o + 3 * D + c);
            (a31 * inverse[3]).Store(o + 3 * D + c + 8);
        }
    }

    /// <summary>e^x for x &lt;= 0: x = n ln 2 + r, e^r by a degree-5 polynomial, 2^n through the exponent bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Max(x, Vector256.Create(-87f));
        var n = Vector256.Round(x * Vector256.Create(1.44269504f));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-0.693145751953125f), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-1.428606765330187e-6f), r);
        var poly = Vector256.Create(1f / 120);
        poly = Vector256.FusedMultiplyAdd(poly, r, Vector256.Create(1f / 24));
        poly = Vector256.FusedMultiplyAdd(poly, r, Vector256.Create(1f / 6));
        poly = Vector256.FusedMultiplyAdd(poly, r, Vector256.Create(0.5f));
        poly = Vector256.FusedMultiplyAdd(poly, r, Vector256<float>.One);
        poly = Vector256.FusedMultiplyAdd(poly, r, Vector256<float>.One);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return poly * scale;
    }
}
