using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// HyperAttention (Han et al., arXiv 2310.05869; docs/algorithms.md section 3) over [batch, heads, n, d] tensors, written once on
/// top of the backend primitives (tile attention with key bias, LSH codes, gather, scatter-add, LSE merge).
/// Non-causal: one <see cref="HyperLevel"/> with a problem per (batch, head). Causal: the paper's recursion, unrolled at
/// construction: every leaf (length &lt;= min_seq_len) is an exact causal segment of one flash plan, and every split adds the
/// non-causal problem (bottom half of queries x top half of keys) to the level of its depth; problems of one level have
/// disjoint query rows, so a level is one plan. Forward = leaves, then each level LSE-merged into (O, lse).
/// All plans and buffers are built once here; a run allocates nothing on the device, and memory is O(n) (no n x n buffer;
/// the levels share one scratch of gathered rows).
/// At a dtype other than fp32 every exact piece (leaves and levels) runs the plan's forward at that dtype, gathering the stored
/// (16-bit packed, or fp32) rows as they are; the LSH codes and value norms read fp32 copies of the stored values.
/// The authors' variants (docs/variants.md): bucket order and per-run resampling live in <see cref="HyperLevel"/>; short-exact
/// changes the layout only (a short non-causal problem is one exact leaf, the causal recursion stops below 2 min_seq_len);
/// detached-lse runs each level as its two parts merged by lse and keeps every piece's own output for the backward.
/// </summary>
public sealed class HyperAttention : IAttentionAlgorithm
{
    private readonly IAttentionBackend _backend;
    private readonly IAttentionPlan? _leafPlan;
    private readonly HyperLevel[] _levels;
    private readonly HyperScratch? _scratch;
    private readonly IDeviceTensor? _projection;
    private readonly IIndexTensor? _codesQ, _codesK;
    private readonly int[] _hostCodesQ, _hostCodesK;
    private readonly float[]? _hostV, _valueNorms;
    private readonly IDeviceTensor? _leafO, _leafLse;
    private readonly IIndexTensor? _identity;
    private int _runs;

    /// <param name="dtype">The storage of q, k, v (<see cref="DtypeStorage"/>) and the arithmetic of the tile forward.</param>
    public HyperAttention(IAttentionBackend backend, AttentionShape shape, bool causal, HyperParameters parameters, ulong seed, Dtype dtype = Dtype.Fp32)
    {
        parameters.Validate();
        _backend = backend;
        Dtype = dtype;
        Shape = shape;
        Causal = causal;
        Parameters = parameters;
        var (leaves, levels) = Layout(shape, causal, parameters);
        LeafSegments = leaves;
        if (leaves.Count > 0) _leafPlan = backend.CreatePlan(leaves, shape.D, shape.Scale);
        if (levels.Count > 0)
        {
            var sizes = levels.Select(p => HyperLevel.Sizes(p, parameters)).ToArray();
            _scratch = new HyperScratch(backend, sizes.Max(x => x.TotalQ), sizes.Max(x => x.TotalK), shape.D, Detached);
        }
        _levels = levels.Select((problems, depth) => new HyperLevel(backend, shape.D, shape.Scale, [.. problems], parameters,
            InputGenerator.StreamSeed(seed, 200 + depth), _scratch!, dtype)).ToArray();
        if (_leafPlan is not null && _levels.Length > 0 && Detached)
        {
            // detached-lse: the leaves' own output, kept from the forward for their backward (levels merge into o afterwards).
            _leafO = backend.Allocate(shape.TensorLength);
            _leafLse = backend.Allocate(shape.RowsLength);
            _identity = backend.AllocateIndices(shape.RowsLength);
            backend.WriteIndices(_identity, [.. Enumerable.Range(0, shape.RowsLength)]);
        }
        _hostCodesQ = _levels.Length > 0 ? new int[shape.RowsLength] : [];
        _hostCodesK = _levels.Length > 0 ? new int[shape.RowsLength] : [];
        if (_levels.Length > 0)
        {
            // One r x d Gaussian projection per call, shared by Q and K and by all heads (as the authors do).
            _projection = backend.Upload(InputGenerator.Normal(parameters.LshProjections * shape.D, InputGenerator.StreamSeed(seed, 100)));
            _codesQ = backend.AllocateIndices(shape.RowsLength);
            _codesK = backend.AllocateIndices(shape.RowsLength);
            if (parameters.Sampling == "value-norm")
            {
                // Value-norm sampling needs ||v_j||^2 on the host (a download of V per run): an option, not the timed default.
                _hostV = new float[shape.TensorLength];
                _valueNorms = new float[shape.RowsLength];
            }
        }
    }

    public AttentionShape Shape { get; }

    public bool Causal { get; }

    public HyperParameters Parameters { get; }

    public Dtype Dtype { get; }

    private bool Detached => Parameters.Gradient == HyperGradient.DetachedLse;

    /// <summary>
    /// Exact segments of the recursion's leaves (all of attention when causal and n &lt;= min_seq_len), causal; or, with
    /// short-exact, one non-causal segment per (batch, head) when non-causal and n &lt; min_seq_len.
    /// </summary>
    internal IReadOnlyList<AttentionSegment> LeafSegments { get; }

    internal IReadOnlyList<HyperLevel> Levels => _levels;

    /// <summary>The last run's LSH codes of the key rows as the kernels emit them (<see cref="GrayCode.Rank"/> of the sign bits). For tests.</summary>
    internal ReadOnlySpan<int> KeyCodes => _hostCodesK;

    /// <summary>
    /// The causal recursion unrolled: leaf segments, and per depth the non-causal problems. Short-exact (the authors' rule: a
    /// non-causal (sub)problem with fewer than min_seq_len queries runs exactly): a non-causal n &lt; min_seq_len is one exact
    /// segment per (batch, head); a causal split whose off-diagonal part (floor(length/2) queries) would be exact has two exact
    /// causal halves too, so the three exact pieces merged are exact causal attention of the whole: one leaf of that length.
    /// </summary>
    internal static (List<AttentionSegment> Leaves, List<List<HyperProblem>> Levels) Layout(AttentionShape shape, bool causal, HyperParameters parameters)
    {
        var leaves = new List<AttentionSegment>();
        var levels = new List<List<HyperProblem>>();
        for (int slice = 0; slice < shape.Slices; slice++)
        {
            int rowBase = slice * shape.N;
            if (!causal && parameters.ShortExact && shape.N < parameters.MinSeqLen)
            {
                leaves.Add(new AttentionSegment(rowBase, shape.N, rowBase, shape.N, 0));
            }
            else if (!causal)
            {
                if (levels.Count == 0) levels.Add([]);
                levels[0].Add(new HyperProblem(rowBase, shape.N, rowBase, shape.N, slice));
            }
            else
            {
                Split(rowBase, 0, shape.N, 0, slice);
            }
        }
        return (leaves, levels);

        void Split(int rowBase, int start, int length, int depth, int slice)
        {
            if (length <= parameters.MinSeqLen || (parameters.ShortExact && length / 2 < parameters.MinSeqLen))
            {
                leaves.Add(new AttentionSegment(rowBase + start, length, rowBase + start, length, 1));
                return;
            }
            int half = (length + 1) / 2; // odd n: the top half takes the extra row
            Split(rowBase, start, half, depth + 1, slice);
            Split(rowBase, start + half, length - half, depth + 1, slice);
            while (levels.Count <= depth) levels.Add([]);
            levels[depth].Add(new HyperProblem(rowBase + start + half, length - half, rowBase + start, half, slice));
        }
    }

    /// <summary>Device bytes beyond Q, K, V, O, lse (and dO, dQ, dK, dV): gathered blocks, indices, codes; plans' scratch included.</summary>
    public static long WorkspaceBytes(IAttentionBackend backend, AttentionShape shape, bool causal, HyperParameters parameters, bool backward)
    {
        var (leaves, levels) = Layout(shape, causal, parameters);
        long bytes = 8L * shape.RowsLength + 4L * parameters.LshProjections * shape.D;
        bool detached = parameters.Gradient == HyperGradient.DetachedLse;
        if (leaves.Count > 0) bytes += backend.PlanWorkspaceBytes(shape.RowsLength, shape.RowsLength, shape.D, backward);
        if (detached && leaves.Count > 0 && levels.Count > 0) bytes += 4L * shape.RowsLength * (shape.D + 2); // the leaves' own O, lse; identity
        int maxQ = 0, maxK = 0;
        foreach (var problems in levels)
        {
            var sizes = HyperLevel.Sizes(problems, parameters);
            bytes += HyperLevel.DeviceBytes(sizes.TotalQ, sizes.TotalK, shape.D, detached);
            // detached-lse: two part plans instead of the fused one (their key rows split the fused plan's; counted twice to be safe).
            bytes += backend.PlanWorkspaceBytes(sizes.TotalQ, sizes.TotalK, shape.D, backward) * (detached ? 2 : 1);
            maxQ = Math.Max(maxQ, sizes.TotalQ);
            maxK = Math.Max(maxK, sizes.TotalK);
        }
        return bytes + (levels.Count > 0 ? HyperScratch.Bytes(maxQ, maxK, shape.D, backward, detached) : 0);
    }

    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse) => Forward(q, k, v, o, lse, null);

    /// <param name="fp32">q, k, v as fp32 tensors of the same values, required when they are stored at a 16-bit dtype (the LSH
    /// codes and the value norms read fp32); null when q, k, v are fp32 themselves.</param>
    /// <remarks>Each call is one run: its ordinal (0, 1, ... on this instance) seeds per-run resampling, so a fresh instance
    /// with the same seed draws the same sequence of samples.</remarks>
    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse,
        (IDeviceTensor Q, IDeviceTensor K, IDeviceTensor V)? fp32)
    {
        int run = _runs++;
        if (_levels.Length > 0)
        {
            if (fp32 is null && Dtype.ElementBytes() != 4)
                throw new ArgumentException($"hyper at {Dtype.Name()} needs fp32 copies of q, k, v for its LSH codes.", nameof(fp32));
            var (hashQ, hashK, hashV) = fp32 ?? (q, k, v);
            int rows = Shape.RowsLength;
            _backend.LshCodes(hashQ, _projection!, rows, Shape.D, Parameters.LshProjections, _codesQ!);
            _backend.LshCodes(hashK, _projection!, rows, Shape.D, Parameters.LshProjections, _codesK!);
            _backend.DownloadIndices(_codesQ!, _hostCodesQ);
            _backend.DownloadIndices(_codesK!, _hostCodesK);
            if (_valueNorms is not null)
            {
                _backend.Download(hashV, _hostV);
                int d = Shape.D;
                Parallel.For(0, rows, r => _valueNorms[r] = System.Numerics.Tensors.TensorPrimitives.SumOfSquares(_hostV.AsSpan(r * d, d)));
            }
        }
        if (_leafO is not null)
        {
            _leafPlan!.Forward(Dtype, q, k, v, null, _leafO, _leafLse!);
            _backend.MergeRows(_leafO, _leafLse!, _identity!, Shape.RowsLength, Shape.D, false, o, lse);
        }
        else
        {
            _leafPlan?.Forward(Dtype, q, k, v, null, o, lse);
        }
        foreach (var level in _levels)
            level.Forward(q, k, v, o, lse, _hostCodesQ, _hostCodesK, _valueNorms, accumulate: _leafPlan is not null, run);
    }

    /// <summary>
    /// Overwrites dq, dk, dv with the exact gradient of the approximation whose O and lse are given (not the biased autograd
    /// shortcut): each piece's flash backward run with the final merged O and lse, restricted to its sparse pattern.
    /// With <see cref="HyperGradient.DetachedLse"/>, the authors' rule instead: every lse merge is a constant, so each piece
    /// (exact leaf, block-diagonal part, sampled part) runs its backward with the final lse but its own output O_k, kept from
    /// the forward, in D = rowsum(dO * O_k).
    /// </summary>
    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        _backend.Clear(dq);
        _backend.Clear(dk);
        _backend.Clear(dv);
        if (_leafO is not null)
        {
            _leafPlan!.Backward(Dtype, q, k, v, null, _leafO, lse, dO, dq, dk, dv);
        }
        else
        {
            _leafPlan?.Backward(Dtype, q, k, v, null, o, lse, dO, dq, dk, dv);
        }
        // Deepest level first: it filled the shared scratch last, so its gathered rows are still there.
        for (int i = _levels.Length - 1; i >= 0; i--)
            _levels[i].Backward(q, k, v, o, lse, dO, dq, dk, dv, outputsAreOwn: _leafPlan is null && _levels.Length == 1);
    }

    /// <summary>
    /// The sparse pattern of the last forward, in original row numbers: (query, key, log-weight) for every term of every
    /// query's softmax (leaf keys j &lt;= i with weight 1; block keys 1; sampled keys n/m, repeated when drawn twice). For tests.
    /// </summary>
    internal IEnumerable<(int Query, int Key, float LogWeight)> PatternEntries() =>
        PieceEntries().Select(e => (e.Query, e.Key, e.LogWeight));

    /// <summary>
    /// <see cref="PatternEntries"/> with the piece each term belongs to among those the authors merge by lse: -1 the exact leaf,
    /// 2 * depth a level's block-diagonal part, 2 * depth + 1 its sampled part. For the detached-lse reference in tests.
    /// </summary>
    internal IEnumerable<(int Query, int Key, float LogWeight, int Piece)> PieceEntries()
    {
        foreach (var s in LeafSegments)
            for (int i = 0; i < s.QueryCount; i++)
                for (int j = 0; (s.Causal == 0 || j <= i) && j < s.KeyCount; j++)
                    yield return (s.QueryStart + i, s.KeyStart + j, 0f, -1);
        for (int depth = 0; depth < _levels.Length; depth++)
        {
            var level = _levels[depth];
            var qIndex = level.QueryIndex.ToArray();
            var kIndex = level.KeyIndex.ToArray();
            var bias = level.KeyBias.ToArray();
            foreach (var s in level.Segments)
                for (int i = 0; i < s.QueryCount; i++)
                {
                    int query = qIndex[s.QueryStart + i];
                    if (query < 0) continue;
                    for (int j = 0; j < s.KeyCount; j++)
                    {
                        int slot = s.KeyStart + j;
                        if (kIndex[slot] >= 0 && !float.IsNegativeInfinity(bias[slot]))
                            yield return (query, kIndex[slot], bias[slot], 2 * depth + level.PieceOf(s, j));
                    }
                }
        }
    }

    public void Dispose()
    {
        _leafPlan?.Dispose();
        foreach (var level in _levels) level.Dispose();
        _scratch?.Dispose();
        _projection?.Dispose();
        _codesQ?.Dispose();
        _codesK?.Dispose();
        _leafO?.Dispose();
        _leafLse?.Dispose();
        _identity?.Dispose();
    }
}
