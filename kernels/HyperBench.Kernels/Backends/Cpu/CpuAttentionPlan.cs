using System.Collections.Concurrent;
using static HyperBench.Kernels.Backends.Cpu.CpuKernels;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// Flash-style tiled attention on the CPU over a fixed list of segments (docs/algorithms.md section 2).
/// Forward: one work item per (segment, block of <see cref="FwdBq"/> query rows), online softmax over key blocks of
/// <see cref="FwdBk"/>; causal key blocks wholly above the diagonal are skipped, the diagonal one is masked element-wise.
/// Its score tiles are transposed (keys x queries) so the softmax statistics are vector ops across queries. Backward (FA-2 order, 5 GEMMs per tile):
/// one work item per (segment, chunk of key rows); it owns its dK/dV tiles and accumulates dQ for the segment's query
/// rows in a per-worker buffer. Segments may share query or key rows (HyperAttention does), so every addition into
/// dq/dk/dv goes through striped locks on 64-row stripes of the destination; the locked additions are O(rows * d)
/// per work item against O(rows * keys * d) of arithmetic, so they cost little.
/// Forward overwrites O and lse of a segment's query rows: segments of one Forward must not share query rows.
/// </summary>
public sealed unsafe class CpuAttentionPlan : IAttentionPlan
{
    internal const int FwdBq = 64;
    internal const int FwdBk = 128;
    internal const int BwdBq = 64;
    internal const int BwdBk = 64;
    private const int StripeShift = 6;
    private const int StripeCount = 64;

    /// <summary>The backend's: one task per thread of its device, which bounds the live scratch sets to what PlanWorkspaceBytes reports.</summary>
    private readonly ParallelOptions _workers;

    private readonly AttentionSegment[] _segments;
    private readonly float _scale;
    private readonly (int Segment, int QueryOffset)[] _fwdItems;
    private readonly (int Segment, int KeyOffset, int KeyCount)[] _bwdItems;
    private readonly long _queryRowsNeeded;
    private readonly long _keyRowsNeeded;
    private readonly int _maxQueryCount;
    private readonly ConcurrentBag<ForwardScratch> _fwdScratch = new();
    private readonly ConcurrentBag<BackwardScratch> _bwdScratch = new();
    private readonly object[] _dqLocks = NewLocks();
    private readonly object[] _dkvLocks = NewLocks();
    private float[]? _rowDot;

    internal CpuAttentionPlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale, ParallelOptions workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(headDim, 1);
        _workers = workers;
        _segments = [.. segments];
        HeadDim = headDim;
        _scale = scale;
        var fwd = new List<(int, int, long)>();
        var bwd = new List<(int, int, int, long)>();
        int threads = workers.MaxDegreeOfParallelism;
        for (int si = 0; si < _segments.Length; si++)
        {
            var s = _segments[si];
            if (s.QueryStart < 0 || s.QueryCount < 0 || s.KeyStart < 0 || s.KeyCount < 0)
                throw new ArgumentException($"segment {si} has a negative field: {s}.", nameof(segments));
            _queryRowsNeeded = Math.Max(_queryRowsNeeded, (long)s.QueryStart + s.QueryCount);
            _keyRowsNeeded = Math.Max(_keyRowsNeeded, (long)s.KeyStart + s.KeyCount);
            _maxQueryCount = Math.Max(_maxQueryCount, s.QueryCount);
            bool causal = s.Causal != 0;
            for (int i0 = 0; i0 < s.QueryCount; i0 += FwdBq)
            {
                int qb = Math.Min(FwdBq, s.QueryCount - i0);
                long keys = causal ? Math.Min(s.KeyCount, i0 + qb) : s.KeyCount;
                fwd.Add((si, i0, qb * keys));
            }
            // Causal keys at or beyond QueryCount are seen by no query.
            int keyEnd = causal ? Math.Min(s.KeyCount, s.QueryCount) : s.KeyCount;
            if (s.QueryCount == 0 || keyEnd == 0) continue;
            // Enough chunks per segment to balance a single huge segment, but chunks of at most 1024 keys so that the
            // per-item dQ flush (QueryCount * d) stays small next to the item's arithmetic (QueryCount * chunk * d * 10).
            int chunk = (int)Math.Min(1024, Math.Max(BwdBk, ((long)keyEnd + 8 * threads - 1) / (8 * threads)));
            chunk = (chunk + BwdBk - 1) / BwdBk * BwdBk;
            for (int j0 = 0; j0 < keyEnd; j0 += chunk)
            {
                int kc = Math.Min(chunk, keyEnd - j0);
                long queries = causal ? s.QueryCount - j0 : s.QueryCount;
                bwd.Add((si, j0, kc, kc * queries));
            }
        }
        // Longest first: a worker that draws a short item last does not leave the other idle on a long one.
        _fwdItems = [.. fwd.OrderByDescending(x => x.Item3).Select(x => (x.Item1, x.Item2))];
        _bwdItems = [.. bwd.OrderByDescending(x => x.Item4).Select(x => (x.Item1, x.Item2, x.Item3))];
    }

    public IReadOnlyList<AttentionSegment> Segments => _segments;

    public int HeadDim { get; }

    /// <summary>Scratch bytes of one forward worker.</summary>
    internal static long ForwardScratchBytes(int d) => 4L * ForwardScratch.Floats(d);

    /// <summary>Scratch bytes of one backward worker for segments of up to maxQueryCount query rows.</summary>
    internal static long BackwardScratchBytes(int d, int maxQueryCount) => 4L * BackwardScratch.Floats(d, maxQueryCount);

    private void CheckForwardTensors(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        int d = HeadDim;
        CheckRows(q, _queryRowsNeeded * d, nameof(q));
        CheckRows(k, _keyRowsNeeded * d, nameof(k));
        CheckRows(v, _keyRowsNeeded * d, nameof(v));
        CheckRows(o, _queryRowsNeeded * d, nameof(o));
        CheckRows(lse, _queryRowsNeeded, nameof(lse));
        if (keyBias != null) CheckRows(keyBias, _keyRowsNeeded, nameof(keyBias));
    }

    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        int d = HeadDim;
        CheckForwardTensors(q, k, v, keyBias, o, lse);
        var p = new Pointers
        {
            Q = Ptr(q), K = Ptr(k), V = Ptr(v), Bias = keyBias == null ? null : Ptr(keyBias), O = Ptr(o), Lse = Ptr(lse),
        };
        Parallel.For(0, _fwdItems.Length, _workers,
            () => _fwdScratch.TryTake(out var w) ? w : new ForwardScratch(d),
            (item, _, w) =>
            {
                ForwardItem(p, item, w);
                return w;
            },
            w => _fwdScratch.Add(w));
    }

    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        int d = HeadDim;
        CheckForwardTensors(q, k, v, keyBias, o, lse);
        CheckRows(dO, _queryRowsNeeded * d, nameof(dO));
        CheckRows(dq, _queryRowsNeeded * d, nameof(dq));
        CheckRows(dk, _keyRowsNeeded * d, nameof(dk));
        CheckRows(dv, _keyRowsNeeded * d, nameof(dv));
        if (_rowDot == null || _rowDot.Length < _queryRowsNeeded)
            _rowDot = GC.AllocateArray<float>((int)_queryRowsNeeded, pinned: true);
        float* rowDot = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _rowDot[0]);
        var p = new Pointers
        {
            Q = Ptr(q), K = Ptr(k), V = Ptr(v), Bias = keyBias == null ? null : Ptr(keyBias), O = Ptr(o), Lse = Ptr(lse),
            DO = Ptr(dO), DQ = Ptr(dq), DK = Ptr(dk), DV = Ptr(dv), RowDot = rowDot,
        };

        // D_i = dO_i . O_i, once per row before any tile needs it (segments sharing a row write the same value).
        Parallel.For(0, _segments.Length, _workers, si =>
        {
            var s = _segments[si];
            for (int i = 0; i < s.QueryCount; i++)
            {
                nint row = s.QueryStart + i;
                p.RowDot[row] = Dot(p.DO + row * d, p.O + row * d, d);
            }
        });

        int maxQ = _maxQueryCount;
        Parallel.For(0, _bwdItems.Length, _workers,
            () => _bwdScratch.TryTake(out var w) ? w : new BackwardScratch(d, maxQ),
            (item, _, w) =>
            {
                BackwardItem(p, item, w);
                return w;
            },
            w => _bwdScratch.Add(w));
    }

    public void Dispose()
    {
        _fwdScratch.Clear();
        _bwdScratch.Clear();
        _rowDot = null;
    }

    private void ForwardItem(in Pointers p, int item, ForwardScratch w)
    {
        var (si, i0) = _fwdItems[item];
        var seg = _segments[si];
        int d = HeadDim;
        int qb = Math.Min(FwdBq, seg.QueryCount - i0);
        int width = (qb + 15) & ~15;
        bool causal = seg.Causal != 0;
        // Scores are computed transposed, St = K (scale Q)^T, so Q is transposed once per work item instead of K once
        // per key tile, and the softmax statistics vectorise across queries.
        Transpose(p.Q + (nint)(seg.QueryStart + i0) * d, qb, d, w.QsT, FwdBq, width, _scale);
        new Span<float>(w.Acc, qb * d).Clear();
        new Span<float>(w.M, FwdBq).Fill(float.NegativeInfinity);
        new Span<float>(w.L, FwdBq).Clear();

        int keyEnd = causal ? Math.Min(seg.KeyCount, i0 + qb) : seg.KeyCount;
        for (int j0 = 0; j0 < keyEnd; j0 += FwdBk)
        {
            int kc = Math.Min(FwdBk, keyEnd - j0);
            float* kRows = p.K + (nint)(seg.KeyStart + j0) * d;
            float* vRows = p.V + (nint)(seg.KeyStart + j0) * d;
            Gemm(kRows, d, 1, w.QsT, FwdBq, w.S, FwdBq, kc, width, d, accumulate: false);
            if (causal && j0 + kc - 1 > i0)
            {
                // Diagonal tile: key j is hidden from query lanes i with i0 + i < j0 + j.
                for (int j = 0; j < kc; j++)
                {
                    int hidden = Math.Clamp(j0 + j - i0, 0, width);
                    new Span<float>(w.S + (nint)j * FwdBq, hidden).Fill(float.NegativeInfinity);
                }
            }
            float* bias = p.Bias == null ? null : p.Bias + seg.KeyStart + j0;
            SoftmaxColumns(w.S, FwdBq, kc, width, bias, w.M, w.L, w.Alpha);
            for (int r = 0; r < qb; r++)
            {
                float alpha = w.Alpha[r];
                if (alpha != 1f) ScaleInPlace(w.Acc + r * d, d, alpha);
            }
            Gemm(w.S, 1, FwdBq, vRows, d, w.Acc, d, qb, d, kc, accumulate: true); // acc += P V, P read through St
        }

        for (int r = 0; r < qb; r++)
        {
            nint row = seg.QueryStart + i0 + r;
            float* oRow = p.O + row * d;
            float l = w.L[r];
            if (l > 0f)
            {
                Scale(w.Acc + r * d, oRow, d, 1f / l);
                p.Lse[row] = w.M[r] + MathF.Log(l);
            }
            else
            {
                new Span<float>(oRow, d).Clear();
                p.Lse[row] = float.NegativeInfinity;
            }
        }
    }

    private void BackwardItem(in Pointers p, int item, BackwardScratch w)
    {
        var (si, kStart, kCount) = _bwdItems[item];
        var seg = _segments[si];
        int d = HeadDim;
        bool causal = seg.Causal != 0;
        for (int j0 = kStart; j0 < kStart + kCount; j0 += BwdBk)
        {
            int kc = Math.Min(BwdBk, kStart + kCount - j0);
            int kcPad = (kc + 15) & ~15;
            float* kRows = p.K + (nint)(seg.KeyStart + j0) * d;
            float* vRows = p.V + (nint)(seg.KeyStart + j0) * d;
            Transpose(kRows, kc, d, w.Kt, BwdBk, kcPad);
            Transpose(vRows, kc, d, w.Vt, BwdBk, kcPad);
            float* bias = p.Bias == null ? null : p.Bias + seg.KeyStart + j0;
            // Causal: queries before j0 see none of these keys.
            for (int i0 = causal ? j0 : 0; i0 < seg.QueryCount; i0 += BwdBq)
            {
                int qb = Math.Min(BwdBq, seg.QueryCount - i0);
                nint row0 = seg.QueryStart + i0;
                float* doRows = p.DO + row0 * d;
                // Q scaled once here: S = (scale q) . k and dK += dS^T (scale q) both need exactly this product.
                Scale(p.Q + row0 * d, w.Qs, qb * d, _scale);
                Gemm(w.Qs, d, 1, w.Kt, BwdBk, w.S, BwdBk, qb, kcPad, d, accumulate: false);
                Gemm(doRows, d, 1, w.Vt, BwdBk, w.DP, BwdBk, qb, kcPad, d, accumulate: false);
                bool diagonal = causal && j0 + kc - 1 > i0;
                for (int r = 0; r < qb; r++)
                {
                    float lse = p.Lse[row0 + r];
                    int len = float.IsNegativeInfinity(lse) ? 0 : diagonal ? Math.Clamp(i0 + r - j0 + 1, 0, kc) : kc;
                    BackwardRow(w.S + r * BwdBk, w.DP + r * BwdBk, bias, len, kc, lse, p.RowDot[row0 + r]);
                }
                Gemm(w.S, 1, BwdBk, doRows, d, w.DV, d, kc, d, qb, accumulate: true);   // dV += P^T dO
                Gemm(w.DP, 1, BwdBk, w.Qs, d, w.DK, d, kc, d, qb, accumulate: true);    // dK += dS^T (scale Q)
                Gemm(w.DP, BwdBk, 1, kRows, d, w.DQ + (nint)i0 * d, d, qb, d, kc, accumulate: true); // dQ/scale += dS K
            }
            nint key0 = seg.KeyStart + j0;
            AddLocked(_dkvLocks, w.DK, p.DK, key0, kc, d, 1f);
            AddLocked(_dkvLocks, w.DV, p.DV, key0, kc, d, 1f);
        }
        int qFirst = causal ? kStart : 0;
        AddLocked(_dqLocks, w.DQ + (nint)qFirst * d, p.DQ, seg.QueryStart + qFirst, seg.QueryCount - qFirst, d, _scale);
    }

    /// <summary>dst rows [row0, row0 + rows) += alpha * src, src cleared, one 64-row stripe lock at a time (never nested).</summary>
    private static void AddLocked(object[] locks, float* src, float* dst, nint row0, int rows, int d, float alpha)
    {
        nint r = row0, end = row0 + rows;
        while (r < end)
        {
            nint stripeEnd = Math.Min(end, ((r >> StripeShift) + 1) << StripeShift);
            lock (locks[(int)((r >> StripeShift) % StripeCount)])
                AddScaledAndClear(src + (r - row0) * d, dst + r * d, (stripeEnd - r) * d, alpha);
            r = stripeEnd;
        }
    }

    private static object[] NewLocks()
    {
        var locks = new object[StripeCount];
        for (int i = 0; i < locks.Length; i++) locks[i] = new object();
        return locks;
    }

    private static float* Ptr(IDeviceTensor t) =>
        t is CpuTensor c ? c.Pointer : throw new ArgumentException($"expected a CpuTensor, got {t.GetType().Name}.", nameof(t));

    private static void CheckRows(IDeviceTensor t, long needed, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.Length < needed)
            throw new ArgumentException($"{name} has {t.Length} floats; the plan's segments need at least {needed}.", name);
    }

    private unsafe struct Pointers
    {
        public float* Q, K, V, Bias, O, Lse, DO, DQ, DK, DV, RowDot;
    }

    private sealed class ForwardScratch
    {
        public readonly float* QsT, S, Acc, M, L, Alpha;

        public ForwardScratch(int d)
        {
            var s = new CpuScratch(Floats(d));
            QsT = s.Take((long)d * FwdBq);
            S = s.Take((long)FwdBk * FwdBq);
            Acc = s.Take((long)FwdBq * d);
            M = s.Take(FwdBq);
            L = s.Take(FwdBq);
            Alpha = s.Take(FwdBq);
            Memory = s;
        }

        /// <summary>Owns the pinned buffer the pointers above point into.</summary>
        public CpuScratch Memory { get; }

        public static long Floats(int d) => 2L * FwdBq * d + (long)FwdBk * FwdBq + 3 * FwdBq + 6 * 16;
    }

    private sealed class BackwardScratch
    {
        public readonly float* Qs, Kt, Vt, S, DP, DK, DV, DQ;

        public BackwardScratch(int d, int maxQueryCount)
        {
            var s = new CpuScratch(Floats(d, maxQueryCount));
            Qs = s.Take((long)BwdBq * d);
            Kt = s.Take((long)d * BwdBk);
            Vt = s.Take((long)d * BwdBk);
            S = s.Take((long)BwdBq * BwdBk);
            DP = s.Take((long)BwdBq * BwdBk);
            DK = s.Take((long)BwdBk * d);
            DV = s.Take((long)BwdBk * d);
            DQ = s.Take((long)maxQueryCount * d);
            Memory = s;
        }

        /// <summary>Owns the pinned buffer the pointers above point into.</summary>
        public CpuScratch Memory { get; }

        public static long Floats(int d, int maxQueryCount) =>
            (long)BwdBq * d + 2L * d * BwdBk + 2L * BwdBq * BwdBk + 2L * BwdBk * d + (long)maxQueryCount * d + 8 * 16;
    }
}
