using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// Segments cut into per-group tiles and uploaded once: query tiles for the forward and for D = rowsum(dO ∘ O), key tiles
/// for the backward. Tiles are ordered longest first (causal tiles see different amounts of work), so no long tile starts last.
/// </summary>
internal sealed class IlgpuAttentionPlan : IAttentionPlan, ITensorCorePlan
{
    private readonly IlgpuBackend _backend;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _forwardTiles;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _rowTiles;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _keyTiles;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _rowDot;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _zeroBias;
    private readonly float _scale;
    private readonly int _forwardThreads;
    private readonly int _backwardThreads;
    private MemoryBuffer1D<AttentionTile, Stride1D.Dense>? _mmaTiles;
    private int _mmaTileCount;
    private readonly Dictionary<int, (MemoryBuffer1D<AttentionTile, Stride1D.Dense> Tiles, int Count)> _mmaKeyTiles = [];

    public IlgpuAttentionPlan(IlgpuBackend backend, IReadOnlyList<AttentionSegment> segments, int headDim, float scale)
    {
        _backend = backend;
        Segments = segments;
        HeadDim = headDim;
        _scale = scale;
        var forward = IlgpuKernelSet.ForwardGeometry(headDim);
        var backward = IlgpuKernelSet.BackwardGeometry(headDim);
        _forwardThreads = forward.Threads;
        _backwardThreads = backward.Threads;
        var forwardTiles = new List<AttentionTile>();
        var rowTiles = new List<AttentionTile>();
        var keyTiles = new List<AttentionTile>();
        int queryRows = 1, keyRows = 1;
        foreach (var s in segments)
        {
            for (int r = 0; r < s.QueryCount; r += forward.Rows)
                forwardTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            for (int r = 0; r < s.QueryCount; r += FlashKernels.GroupRows)
                rowTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            for (int r = 0; r < s.KeyCount; r += backward.Keys)
                keyTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            queryRows = Math.Max(queryRows, s.QueryStart + s.QueryCount);
            keyRows = Math.Max(keyRows, s.KeyStart + s.KeyCount);
        }
        // A causal query tile sees keys up to its last row; a causal key tile is seen by the queries from its first key on.
        forwardTiles.Sort((x, y) => FlashForwardKernels.KeyEnd(y, forward.Rows).CompareTo(FlashForwardKernels.KeyEnd(x, forward.Rows)));
        keyTiles.Sort((x, y) => QueriesSeeing(y).CompareTo(QueriesSeeing(x)));
        var accelerator = backend.Accelerator;
        _forwardTiles = Upload(accelerator, forwardTiles);
        _rowTiles = Upload(accelerator, rowTiles);
        _keyTiles = Upload(accelerator, keyTiles);
        ForwardTileCount = forwardTiles.Count;
        RowTileCount = rowTiles.Count;
        KeyTileCount = keyTiles.Count;
        _rowDot = accelerator.Allocate1D<float>(queryRows);
        // Kernels always get a real bias buffer: a load from a dummy view could be hoisted past its guard.
        _zeroBias = accelerator.Allocate1D<float>(keyRows);
        _zeroBias.MemSetToZero();
    }

    public IReadOnlyList<AttentionSegment> Segments { get; }

    public int HeadDim { get; }

    internal int ForwardTileCount { get; }

    internal int RowTileCount { get; }

    internal int KeyTileCount { get; }

    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        if (ForwardTileCount == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.Tiles = _forwardTiles.View;
        _backend.Kernels(HeadDim).Forward(new KernelConfig(ForwardTileCount, _forwardThreads), args);
    }

    /// <summary>fp32 on the SIMT kernels, every other dtype on the tensor-core forward of the same segments.</summary>
    public void Forward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        if (IlgpuBackend.Precision(dtype) is { } precision) ForwardMma(precision, q, k, v, keyBias, o, lse);
        else Forward(q, k, v, keyBias, o, lse);
    }

    public void ForwardMma(MmaPrecision precision, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        if (!IlgpuBackend.SupportsMma(precision, HeadDim))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"no tensor-core kernel for {precision} at d = {HeadDim}.");
        if (_mmaTiles is null)
        {
            // The tensor-core kernels take 64 query rows per group at every d: their own tile list, built on first use.
            var tiles = new List<AttentionTile>();
            foreach (var s in Segments)
                for (int r = 0; r < s.QueryCount; r += MmaForwardKernels.Rows)
                    tiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            tiles.Sort((x, y) => FlashForwardKernels.KeyEnd(y, MmaForwardKernels.Rows).CompareTo(FlashForwardKernels.KeyEnd(x, MmaForwardKernels.Rows)));
            _mmaTiles = Upload(_backend.Accelerator, tiles);
            _mmaTileCount = tiles.Count;
        }
        if (_mmaTileCount == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.Tiles = _mmaTiles.View;
        _backend.Mma.Forward(precision, HeadDim, new KernelConfig(_mmaTileCount, MmaForwardKernels.Threads), args);
    }

    /// <summary>fp32 on the SIMT backward, every other dtype on the tensor-core backward of the same segments.</summary>
    public void Backward(Dtype dtype, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        if (IlgpuBackend.Precision(dtype) is { } precision) BackwardMma(precision, q, k, v, keyBias, o, lse, dO, dq, dk, dv);
        else Backward(q, k, v, keyBias, o, lse, dO, dq, dk, dv);
    }

    public void BackwardMma(MmaPrecision precision, IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o,
        IDeviceTensor lse, IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        if (!IlgpuBackend.SupportsMmaBackward(precision, HeadDim))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"no tensor-core backward for {precision} at d = {HeadDim}.");
        // The tensor-core backward takes 64 keys per group (32 for 3xTF32 at d = 128): a key-tile list per size, built on first use.
        int keysPerGroup = MmaBackwardKernels.KeysFor(precision, HeadDim);
        if (!_mmaKeyTiles.TryGetValue(keysPerGroup, out var keyTiles))
        {
            var tiles = new List<AttentionTile>();
            foreach (var s in Segments)
                for (int r = 0; r < s.KeyCount; r += keysPerGroup)
                    tiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            tiles.Sort((x, y) => QueriesSeeing(y).CompareTo(QueriesSeeing(x)));
            keyTiles = (Upload(_backend.Accelerator, tiles), tiles.Count);
            _mmaKeyTiles[keysPerGroup] = keyTiles;
        }
        if (RowTileCount == 0 || keyTiles.Count == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.DO = View(dO);
        args.DQ = View(dq);
        args.DK = View(dk);
        args.DV = View(dv);
        // D = rowsum(dO ∘ O): dO is 16-bit for bf16 / fp16, fp32 for 3xTF32 (the fp32 kernels' RowDot).
        args.Tiles = _rowTiles.View;
        var rowConfig = new KernelConfig(RowTileCount, FlashKernels.GroupRows);
        if (precision == MmaPrecision.Tf32x3) _backend.Kernels(HeadDim).RowDot(rowConfig, args);
        else _backend.Mma.RowDot16(precision, HeadDim, rowConfig, args);
        args.Tiles = keyTiles.Tiles.View;
        _backend.Mma.Backward(precision, HeadDim, new KernelConfig(keyTiles.Count, MmaBackwardKernels.ThreadsFor(precision, HeadDim)), args);
    }

    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        if (RowTileCount == 0 || KeyTileCount == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.DO = View(dO);
        args.DQ = View(dq);
        args.DK = View(dk);
        args.DV = View(dv);
        var kernels = _backend.Kernels(HeadDim);
        args.Tiles = _rowTiles.View;
        kernels.RowDot(new KernelConfig(RowTileCount, FlashKernels.GroupRows), args);
        args.Tiles = _keyTiles.View;
        kernels.Backward(new KernelConfig(KeyTileCount, _backwardThreads), args);
    }

    public void Dispose()
    {
        _forwardTiles.Dispose();
        _rowTiles.Dispose();
        _keyTiles.Dispose();
        _rowDot.Dispose();
        _zeroBias.Dispose();
        _mmaTiles?.Dispose();
        foreach (var (tiles, _) in _mmaKeyTiles.Values) tiles.Dispose();
    }

    private static int QueriesSeeing(AttentionTile keyTile) =>
        keyTile.Causal == 0 ? keyTile.QueryCount : Math.Max(0, keyTile.QueryCount - keyTile.RowOffset);

    private static MemoryBuffer1D<AttentionTile, Stride1D.Dense> Upload(Accelerator accelerator, List<AttentionTile> tiles) =>
        accelerator.Allocate1D(tiles.Count == 0 ? [default] : tiles.ToArray());

    private KernelArgs Args(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse) => new()
    {
        Q = View(q),
        K = View(k),
        V = View(v),
        Bias = keyBias is null ? _zeroBias.View : View(keyBias),
        HasBias = keyBias is null ? 0 : 1,
        O = View(o),
        Lse = View(lse),
        DO = View(o),
        RowDot = _rowDot.View,
        DQ = View(o),
        DK = View(o),
        DV = View(o),
        Scale = _scale,
    };

    private static ArrayView<float> View(IDeviceTensor t) => ((IlgpuTensor)t).Buffer.View;
}
