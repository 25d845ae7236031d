using System.Buffers;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Inputs;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// A batch of non-causal HyperAttention problems with disjoint query rows (docs/algorithms.md section 3, steps 1-5), run as
/// ONE attention plan. For problem p, sorted query block t (b rows) attends to a gathered key buffer
/// [b sorted keys of block t ; m sampled keys] with a per-key bias [0 ; log(n_k/m)]: the softmax over that union, with the
/// sampled terms weighted n_k/m, is exactly the LSE merge of the block-diagonal part and the sampled part, so the flash
/// tile code does all the softmax maths. -inf in the bias masks padding keys and a sampled key that lies in block t itself
/// (already counted exactly). The backward of that plan plus a scatter-add of the gathered dK/dV back to the original rows
/// (duplicated samples accumulate) is the exact gradient of the approximation.
/// Sorting is host-side: codes come back from the device (4 bytes per row) and a counting sort over the 2^r buckets,
/// stable and O(n) per problem, orders the rows. Measured on the 2-core dev machine at n = 8192 (one head): 0.2 ms for both
/// sorts, the samples' own-block masks and the index build, against about 17 ms for the whole hyper forward: about 1%, so a
/// device sort (ILGPU RadixSortPairs over head * 2^r + code) is not worth its complexity yet. On a GPU the price is one
/// synchronous copy of the codes down and of the indices up per run. Buffers are O(n): never an n x n matrix; the gathered
/// rows live in a <see cref="HyperScratch"/> shared by all levels.
/// The authors' variants (docs/variants.md) are host-side choices here: the bucket order is a 2^r sort-key table, per-run
/// resampling draws the samples in <see cref="Prepare"/> from (seed, run ordinal), and detached-lse runs the block-diagonal
/// and the sampled part as two plans over the same gathered rows, as the authors do, keeping each part's output for the backward.
/// </summary>
internal sealed class HyperLevel : IDisposable
{
    private readonly IAttentionBackend _backend;
    private readonly HyperProblem[] _problems;
    private readonly HyperParameters _parameters;
    private readonly int _d;
    private readonly int[] _blockRows, _blocks, _qOff, _kOff, _keyLocalOff;
    private readonly int[] _qIndexHost, _kIndexHost, _sortedKeys, _keyPos, _samples, _bucketKeys;
    private readonly float[] _biasHost, _sampleBias;
    private readonly ulong[] _problemSeeds;
    private readonly AttentionSegment[] _segments;
    private readonly IAttentionPlan? _plan;
    private readonly IAttentionPlan[] _piecePlans;
    private readonly IDeviceTensor[] _pieceO;
    private readonly IIndexTensor _qIndex, _kIndex;
    private readonly IDeviceTensor _bias;
    private readonly HyperScratch _scratch;
    private readonly Dtype _dtype;

    public HyperLevel(IAttentionBackend backend, int d, float scale, HyperProblem[] problems, HyperParameters parameters, ulong seed, HyperScratch scratch,
        Dtype dtype = Dtype.Fp32)
    {
        _dtype = dtype;
        _backend = backend;
        _scratch = scratch;
        _problems = problems;
        _parameters = parameters;
        _d = d;
        int m = parameters.Samples;
        (_blockRows, _blocks, _qOff, _kOff, TotalQueryRows, TotalKeyRows) = Sizes(problems, parameters);
        _keyLocalOff = new int[problems.Length + 1];
        for (int p = 0; p < problems.Length; p++) _keyLocalOff[p + 1] = _keyLocalOff[p] + problems[p].KeyCount;

        var segments = new List<AttentionSegment>();
        for (int p = 0; p < problems.Length; p++)
            for (int t = 0; t < _blocks[p]; t++)
                segments.Add(new AttentionSegment(_qOff[p] + t * _blockRows[p], _blockRows[p], _kOff[p] + t * (_blockRows[p] + m), _blockRows[p] + m, 0));
        _segments = [.. segments];
        if (parameters.Gradient == HyperGradient.DetachedLse)
        {
            // The two parts the authors merge by lse, as two plans over the same gathered rows and bias; each part's own
            // output stays here from the forward for the backward (as their autograd keeps it).
            _piecePlans =
            [
                backend.CreatePlan(segments.Select(g => g with { KeyCount = g.KeyCount - m }).ToArray(), d, scale),
                backend.CreatePlan(segments.Select(g => g with { KeyStart = g.KeyStart + g.KeyCount - m, KeyCount = m }).ToArray(), d, scale),
            ];
            _pieceO = [backend.Allocate((long)TotalQueryRows * d), backend.Allocate((long)TotalQueryRows * d)];
        }
        else
        {
            _plan = backend.CreatePlan(segments, d, scale);
            _piecePlans = [];
            _pieceO = [];
        }
        _bucketKeys = GrayCode.SortKeys(parameters.LshProjections, parameters.BucketOrder);

        _qIndexHost = new int[TotalQueryRows];
        _kIndexHost = new int[TotalKeyRows];
        _biasHost = new float[TotalKeyRows];
        _sortedKeys = new int[_keyLocalOff[^1]];
        _keyPos = new int[_keyLocalOff[^1]];
        _samples = new int[problems.Length * m];
        _sampleBias = new float[problems.Length * m];
        _problemSeeds = new ulong[problems.Length];
        for (int p = 0; p < problems.Length; p++)
        {
            _problemSeeds[p] = InputGenerator.StreamSeed(seed, 1000 + p);
            // Uniform sampling does not depend on the data: drawn once here (resample once), or on every run in Prepare (per-run).
            if (parameters.Resample == Resample.Once) SampleUniform(p, _problemSeeds[p]);
        }

        _qIndex = backend.AllocateIndices(TotalQueryRows);
        _kIndex = backend.AllocateIndices(TotalKeyRows);
        _bias = backend.Allocate(TotalKeyRows);
    }

    public int TotalQueryRows { get; }

    public int TotalKeyRows { get; }

    public IReadOnlyList<HyperProblem> Problems => _problems;

    public IReadOnlyList<AttentionSegment> Segments => _segments;

    /// <summary>Host copies of the last run's gather indices and key bias (for tests and dumps).</summary>
    public ReadOnlySpan<int> QueryIndex => _qIndexHost;

    public ReadOnlySpan<int> KeyIndex => _kIndexHost;

    public ReadOnlySpan<float> KeyBias => _biasHost;

    public int BlockRows(int problem) => _blockRows[problem];

    /// <summary>The piece of the merge key slot <paramref name="slot"/> of a segment belongs to: 0 block-diagonal, 1 sampled.</summary>
    public int PieceOf(AttentionSegment segment, int slot) => slot < segment.KeyCount - _parameters.Samples ? 0 : 1;

    /// <summary>Problem p's query rows (relative to its QueryStart) in sortLSH order.</summary>
    public int[] QueryOrder(int p) => _qIndexHost.AsSpan(_qOff[p], _problems[p].QueryCount).ToArray().Select(r => r - _problems[p].QueryStart).ToArray();

    /// <summary>Problem p's key rows (relative to its KeyStart) in sortLSH order.</summary>
    public int[] KeyOrder(int p) => _sortedKeys.AsSpan(_keyLocalOff[p], _problems[p].KeyCount).ToArray().Select(r => r - _problems[p].KeyStart).ToArray();

    /// <summary>Problem p's sampled keys (relative to its KeyStart, original order), with repetitions.</summary>
    public int[] SampledKeys(int p) => _samples.AsSpan(p * _parameters.Samples, _parameters.Samples).ToArray();

    /// <summary>Block geometry per problem: rows per block (b, or fewer when one block holds the whole problem), block count and buffer offsets.</summary>
    internal static (int[] BlockRows, int[] Blocks, int[] QOff, int[] KOff, int TotalQ, int TotalK) Sizes(IReadOnlyList<HyperProblem> problems, HyperParameters parameters)
    {
        int n = problems.Count;
        var blockRows = new int[n];
        var blocks = new int[n];
        var qOff = new int[n];
        var kOff = new int[n];
        long totalQ = 0, totalK = 0;
        for (int p = 0; p < n; p++)
        {
            int longest = Math.Max(problems[p].QueryCount, problems[p].KeyCount);
            blockRows[p] = Math.Min(parameters.BlockSize, longest);
            blocks[p] = (longest + blockRows[p] - 1) / blockRows[p];
            qOff[p] = checked((int)totalQ);
            kOff[p] = checked((int)totalK);
            totalQ += (long)blocks[p] * blockRows[p];
            totalK += (long)blocks[p] * (blockRows[p] + parameters.Samples);
        }
        return (blockRows, blocks, qOff, kOff, checked((int)totalQ), checked((int)totalK));
    }

    /// <summary>
    /// Bytes of device buffers a level holds itself (indices and key bias, and with detached-lse the two parts' outputs; the
    /// gathered rows are in <see cref="HyperScratch"/>).
    /// </summary>
    internal static long DeviceBytes(int totalQ, int totalK, int d, bool detached) => 4L * (totalQ + 2L * totalK) + (detached ? 8L * totalQ * d : 0);

    /// <summary>
    /// sortLSH and sampling for this run (host side), then gather, one plan forward, and the move (copy or LSE merge) of each
    /// sorted row back to its original row of (o, lse).
    /// </summary>
    /// <param name="run">The ordinal of this run on its instance (0, 1, ...): per-run resampling draws from (seed, run).</param>
    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse,
        int[] codesQ, int[] codesK, float[]? valueNorms, bool accumulate, int run = 0)
    {
        Prepare(codesQ, codesK, valueNorms, run);
        _backend.WriteIndices(_qIndex, _qIndexHost);
        _backend.WriteIndices(_kIndex, _kIndexHost);
        _backend.Write(_bias, _biasHost);
        GatherInputs(q, k, v);
        if (_plan is null)
        {
            // detached-lse: the block-diagonal part, then the sampled part, each merged by lse into (o, lse) (the authors'
            // add_self_attentions); the same approximation as the fused plan up to rounding.
            _piecePlans[0].Forward(_dtype, _scratch.Qs, _scratch.Kg, _scratch.Vg, _bias, _pieceO[0], _scratch.Lses);
            _backend.MergeRows(_pieceO[0], _scratch.Lses, _qIndex, TotalQueryRows, _d, accumulate, o, lse);
            _piecePlans[1].Forward(_dtype, _scratch.Qs, _scratch.Kg, _scratch.Vg, _bias, _pieceO[1], _scratch.PieceLse!);
            _backend.MergeRows(_pieceO[1], _scratch.PieceLse!, _qIndex, TotalQueryRows, _d, true, o, lse);
            return;
        }
        _plan.Forward(_dtype, _scratch.Qs, _scratch.Kg, _scratch.Vg, _bias, _scratch.Os, _scratch.Lses);
        _backend.MergeRows(_scratch.Os, _scratch.Lses, _qIndex, TotalQueryRows, _d, accumulate, o, lse);
    }

    /// <summary>
    /// Adds this level's share of the exact gradient of the approximation. (o, lse) are the FINAL merged outputs: with them,
    /// p_ij = w_j exp(s_ij - lse_i) and D_i = dO_i . O_i are those of the whole sparse pattern, so each piece's flash backward
    /// is exact. <paramref name="outputsAreOwn"/>: this level alone produced (o, lse) (non-causal), so its sorted copies are current.
    /// </summary>
    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor o, IDeviceTensor lse, IDeviceTensor dO,
        IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv, bool outputsAreOwn)
    {
        if (_plan is null)
        {
            BackwardDetached(q, k, v, lse, dO, dq, dk, dv);
            return;
        }
        var s = _scratch;
        bool resident = ReferenceEquals(s.Owner, this);
        if (!resident) GatherInputs(q, k, v);
        if (!outputsAreOwn || !resident)
        {
            _backend.GatherRows(o, _qIndex, TotalQueryRows, _d, 0f, s.Os);
            _backend.GatherRows(lse, _qIndex, TotalQueryRows, 1, float.NegativeInfinity, s.Lses);
        }
        // dO is stored at the dtype like q (a 16-bit row is d/2 words); the gradients are fp32.
        _backend.GatherRows(dO, _qIndex, TotalQueryRows, (int)_dtype.StoredWords(_d), 0f, s.DOs);
        _backend.Clear(s.DQs);
        _backend.Clear(s.DKg);
        _backend.Clear(s.DVg);
        _plan.Backward(_dtype, s.Qs, s.Kg, s.Vg, _bias, s.Os, s.Lses, s.DOs, s.DQs, s.DKg, s.DVg);
        _backend.ScatterAddRows(s.DQs, _qIndex, TotalQueryRows, _d, dq);
        _backend.ScatterAddRows(s.DKg, _kIndex, TotalKeyRows, _d, dk);
        _backend.ScatterAddRows(s.DVg, _kIndex, TotalKeyRows, _d, dv);
    }

    /// <summary>
    /// The authors' rule (detached-lse): the lse that merges the block-diagonal and the sampled part is a constant, so each part
    /// gets its own flash backward with p_ij from the FINAL lse (c_k p^k_ij, c_k = exp(lse_k - lse) held constant) but
    /// D_i = dO_i . O_k,i from its OWN normalised output O_k instead of the merged O: dV is unchanged, dQ and dK miss the term
    /// through the merge weights. O_k is the part's output kept from the forward.
    /// </summary>
    private void BackwardDetached(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor lse, IDeviceTensor dO,
        IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        var s = _scratch;
        if (!ReferenceEquals(s.Owner, this)) GatherInputs(q, k, v);
        _backend.GatherRows(lse, _qIndex, TotalQueryRows, 1, float.NegativeInfinity, s.Lses);
        _backend.GatherRows(dO, _qIndex, TotalQueryRows, (int)_dtype.StoredWords(_d), 0f, s.DOs);
        _backend.Clear(s.DQs);
        _backend.Clear(s.DKg);
        _backend.Clear(s.DVg);
        // A row that saw none of a part's keys has O_k = 0 there, and p = 0 for all its terms.
        for (int piece = 0; piece < _piecePlans.Length; piece++)
            _piecePlans[piece].Backward(_dtype, s.Qs, s.Kg, s.Vg, _bias, _pieceO[piece], s.Lses, s.DOs, s.DQs, s.DKg, s.DVg);
        _backend.ScatterAddRows(s.DQs, _qIndex, TotalQueryRows, _d, dq);
        _backend.ScatterAddRows(s.DKg, _kIndex, TotalKeyRows, _d, dk);
        _backend.ScatterAddRows(s.DVg, _kIndex, TotalKeyRows, _d, dv);
    }

    public void Dispose()
    {
        _plan?.Dispose();
        foreach (var piece in _piecePlans) piece.Dispose();
        foreach (var o in _pieceO) o.Dispose();
        _qIndex.Dispose();
        _kIndex.Dispose();
        _bias.Dispose();
    }

    /// <summary>Rows are moved as stored: a 16-bit row is d/2 words, and a zero word is two zeros in bf16 and fp16 alike.</summary>
    private void GatherInputs(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v)
    {
        int width = (int)_dtype.StoredWords(_d);
        _backend.GatherRows(q, _qIndex, TotalQueryRows, width, 0f, _scratch.Qs);
        _backend.GatherRows(k, _kIndex, TotalKeyRows, width, 0f, _scratch.Kg);
        _backend.GatherRows(v, _kIndex, TotalKeyRows, width, 0f, _scratch.Vg);
        _scratch.Owner = this;
    }

    private void Prepare(int[] codesQ, int[] codesK, float[]? valueNorms, int run)
    {
        bool perRun = _parameters.Resample == Resample.PerRun;
        int buckets = 1 << _parameters.LshProjections;
        int m = _parameters.Samples;
        Parallel.For(0, _problems.Length, p =>
        {
            var pr = _problems[p];
            int bs = _blockRows[p], nb = _blocks[p], qOff = _qOff[p], kOff = _kOff[p];
            var counts = ArrayPool<int>.Shared.Rent(buckets + 1);
            try
            {
                var qDest = _qIndexHost.AsSpan(qOff, nb * bs);
                CountingSort(codesQ, pr.QueryStart, pr.QueryCount, _bucketKeys, counts, qDest);
                qDest[pr.QueryCount..].Fill(-1); // padding queries: gathered as zeros, never moved back
                var sorted = _sortedKeys.AsSpan(_keyLocalOff[p], pr.KeyCount);
                CountingSort(codesK, pr.KeyStart, pr.KeyCount, _bucketKeys, counts, sorted);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(counts);
            }
            var keys = _sortedKeys.AsSpan(_keyLocalOff[p], pr.KeyCount);
            var pos = _keyPos.AsSpan(_keyLocalOff[p], pr.KeyCount);
            for (int s = 0; s < keys.Length; s++) pos[keys[s] - pr.KeyStart] = s;
            if (valueNorms is not null) SampleByValueNorm(p, valueNorms, perRun ? DrawSeed(p, run) : _problemSeeds[p]);
            else if (perRun) SampleUniform(p, DrawSeed(p, run)); // the authors' draw on every forward, inside the timed run

            for (int t = 0; t < nb; t++)
            {
                int kb = kOff + t * (bs + m);
                for (int s = 0; s < bs; s++)
                {
                    int sp = t * bs + s;
                    bool real = sp < pr.KeyCount;
                    _kIndexHost[kb + s] = real ? keys[sp] : -1;
                    _biasHost[kb + s] = real ? 0f : float.NegativeInfinity; // padding keys are masked, never zero keys
                }
                for (int u = 0; u < m; u++)
                {
                    int key = _samples[p * m + u];
                    _kIndexHost[kb + bs + u] = pr.KeyStart + key;
                    // "Own block": the sampled key's sorted position lies in block t, where step 2 already counts it exactly.
                    _biasHost[kb + bs + u] = pos[key] / bs == t ? float.NegativeInfinity : _sampleBias[p * m + u];
                }
            }
        });
    }

    /// <summary>
    /// The paper's sampling: key j with probability p_j = ||v_j||^2 / sum ||v||^2; an importance-weighted term then stands for
    /// 1/(m p_j) keys (bias -log(m p_j)) instead of n/m, which keeps the row-sum estimator unbiased. Uniform when V is all zero.
    /// </summary>
    private void SampleByValueNorm(int p, float[] valueNorms, ulong seed)
    {
        var pr = _problems[p];
        int m = _parameters.Samples;
        var rng = new SplitMixRandom(seed ^ 0x5DEECE66DUL);
        var norms = valueNorms.AsSpan(pr.KeyStart, pr.KeyCount);
        double total = 0;
        foreach (float x in norms) total += x;
        var cumulative = ArrayPool<double>.Shared.Rent(pr.KeyCount);
        try
        {
            double run = 0;
            for (int j = 0; j < norms.Length; j++) cumulative[j] = run += norms[j];
            for (int u = 0; u < m; u++)
            {
                if (!(total > 0))
                {
                    _samples[p * m + u] = rng.NextInt(pr.KeyCount);
                    _sampleBias[p * m + u] = MathF.Log(pr.KeyCount / (float)m);
                    continue;
                }
                double target = rng.NextDouble() * total;
                int j = cumulative.AsSpan(0, pr.KeyCount).BinarySearch(target);
                j = j < 0 ? ~j : j + 1; // first index whose cumulative weight exceeds target
                j = Math.Min(j, pr.KeyCount - 1);
                while (norms[j] <= 0 && j > 0) j--; // never land on a zero-probability key
                _samples[p * m + u] = j;
                _sampleBias[p * m + u] = (float)-Math.Log(m * (norms[j] / total));
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(cumulative);
        }
    }

    /// <summary>Per-run resampling: problem p's draw for run <paramref name="run"/>, a function of (seed, run) only.</summary>
    private ulong DrawSeed(int p, int run) => InputGenerator.StreamSeed(_problemSeeds[p], 1 + run);

    /// <summary>m keys uniformly with replacement, each term standing for n_k/m keys.</summary>
    private void SampleUniform(int p, ulong seed)
    {
        int m = _parameters.Samples, keys = _problems[p].KeyCount;
        var rng = new SplitMixRandom(seed);
        float logWeight = MathF.Log(keys / (float)m);
        for (int u = 0; u < m; u++)
        {
            _samples[p * m + u] = rng.NextInt(keys);
            _sampleBias[p * m + u] = logWeight;
        }
    }

    /// <summary>
    /// Stable counting sort of rows [start, start + count) by the sort key of their code (<paramref name="bucketKeys"/>, 2^r
    /// buckets, <see cref="GrayCode.SortKeys"/>): O(n), writes global row numbers.
    /// </summary>
    internal static void CountingSort(int[] codes, int start, int count, int[] bucketKeys, int[] counts, Span<int> destination)
    {
        int buckets = bucketKeys.Length;
        Array.Clear(counts, 0, buckets + 1);
        for (int i = 0; i < count; i++) counts[bucketKeys[codes[start + i]] + 1]++;
        for (int c = 0; c < buckets; c++) counts[c + 1] += counts[c];
        for (int i = 0; i < count; i++) destination[counts[bucketKeys[codes[start + i]]]++] = start + i;
    }
}
