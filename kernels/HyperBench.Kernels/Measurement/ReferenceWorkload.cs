using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HyperBench.Kernels.Measurement;

/// <summary>
/// The yardstick timed after every sample of a case when <see cref="MeasurementOptions.Reference"/> is set (docs/measurement.md,
/// "Reference samples"): exact attention over n = 256, d = 64, fp32, on the calling thread, in plain managed code.
/// <para>
/// FROZEN. Its time stands for the machine's speed at the moment, so a regression detector can judge a case's time as a ratio to
/// it (docs/regressions.md). It must not share code with the kernels under test (a slowdown of theirs would slow it too and cancel
/// out) and must not change between builds: a change of it is a new reference with a new <see cref="Name"/>, and ratios across two
/// names are not compared.
/// </para>
/// </summary>
public sealed class ReferenceWorkload
{
    /// <summary>Which yardstick: stored with nothing yet (one exists); bump the version on any change to the code below.</summary>
    public const string Name = "ref-attention-v1";

    /// <summary>The devices whose cases get reference samples: those that compute on this machine's CPU, which the reference times.</summary>
    public static bool Applies(Backends.DeviceKind kind) => kind is Backends.DeviceKind.Cpu or Backends.DeviceKind.IlgpuCpu;

    private const int N = 256;
    private const int D = 64;

    private readonly float[] _q = new float[N * D];
    private readonly float[] _k = new float[N * D];
    private readonly float[] _v = new float[N * D];
    private readonly float[] _o = new float[N * D];
    private readonly float[] _p = new float[N];
    private float _sink;

    public ReferenceWorkload()
    {
        // A fixed LCG: the same inputs in every process and build (no dependence on Random's algorithm).
        uint state = 12345;
        foreach (var a in new[] { _q, _k, _v })
            for (int i = 0; i < a.Length; i++)
            {
                state = state * 1664525 + 1013904223;
                a[i] = (state >> 8) / (float)(1 << 24) - 0.5f;
            }
    }

    /// <summary>One run: softmax(Q K^T / sqrt d) V, row by row. Compiled fully optimised at once, so no sample times the JIT's tiers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public void Run()
    {
        const float scale = 0.125f; // 1 / sqrt(64)
        for (int i = 0; i < N; i++)
        {
            var q = new ReadOnlySpan<float>(_q, i * D, D);
            float max = float.NegativeInfinity;
            for (int j = 0; j < N; j++)
            {
                float s = Dot(q, new ReadOnlySpan<float>(_k, j * D, D)) * scale;
                _p[j] = s;
                if (s > max) max = s;
            }
            float sum = 0;
            for (int j = 0; j < N; j++)
            {
                float e = MathF.Exp(_p[j] - max);
                _p[j] = e;
                sum += e;
            }
            var o = new Span<float>(_o, i * D, D);
            o.Clear();
            float inv = 1 / sum;
            for (int j = 0; j < N; j++) Axpy(o, _p[j] * inv, new ReadOnlySpan<float>(_v, j * D, D));
        }
        _sink += _o[0] + _o[^1];
    }

    /// <summary>Keeps the result observable, so no run can be optimised away.</summary>
    public float Sink => _sink;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var va = MemoryMarshal.Cast<float, Vector<float>>(a);
        var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
        var acc = Vector<float>.Zero;
        for (int i = 0; i < va.Length; i++) acc += va[i] * vb[i];
        float sum = Vector.Sum(acc);
        for (int i = va.Length * Vector<float>.Count; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy(Span<float> o, float p, ReadOnlySpan<float> v)
    {
        var vo = MemoryMarshal.Cast<float, Vector<float>>(o);
        var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        var vp = new Vector<float>(p);
        for (int i = 0; i < vo.Length; i++) vo[i] += vp * vv[i];
        for (int i = vo.Length * Vector<float>.Count; i < o.Length; i++) o[i] += p * v[i];
    }
}
