using ILGPU;
using ILGPU.Runtime;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>Segments cut into per-group tiles (query tiles for forward and dQ, key tiles for dK/dV) and uploaded once.</summary>
internal sealed class IlgpuAttentionPlan : IAttentionPlan
{
    private readonly IlgpuBackend _backend;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _forwardTiles;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _queryTiles;
    private readonly MemoryBuffer1D<AttentionTile, Stride1D.Dense> _keyTiles;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _rowDot;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _zeroBias;
    private readonly float _scale;
    private readonly int _forwardThreads;

    public IlgpuAttentionPlan(IlgpuBackend backend, IReadOnlyList<AttentionSegment> segments, int headDim, float scale)
    {
        _backend = backend;
        Segments = segments;
        HeadDim = headDim;
        _scale = scale;
        var forward = ForwardGeometry(headDim);
        var forwardTiles = new List<AttentionTile>();
        var queryTiles = new List<AttentionTile>();
        var keyTiles = new List<AttentionTile>();
        int queryRows = 1, keyRows = 1;
        foreach (var s in segments)
        {
            for (int r = 0; r < s.QueryCount; r += forward.Rows)
                forwardTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            for (int r = 0; r < s.QueryCount; r += FlashKernels.GroupRows)
                queryTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            for (int r = 0; r < s.KeyCount; r += FlashKernels.GroupRows)
                keyTiles.Add(new AttentionTile(s.QueryStart, s.QueryCount, s.KeyStart, s.KeyCount, s.Causal, r));
            queryRows = Math.Max(queryRows, s.QueryStart + s.QueryCount);
            keyRows = Math.Max(keyRows, s.KeyStart + s.KeyCount);
        }
        // Longest tiles first (causal ones near the diagonal's end see the most keys), so no long tile starts last.
        forwardTiles.Sort((x, y) => FlashForwardKernels.KeyEnd(y, forward.Rows).CompareTo(FlashForwardKernels.KeyEnd(x, forward.Rows)));
        var accelerator = backend.Accelerator;
        _forwardTiles = accelerator.Allocate1D(forwardTiles.Count == 0 ? [default] : forwardTiles.ToArray());
        ForwardTileCount = forwardTiles.Count;
        _forwardThreads = forward.Threads;
        _queryTiles = accelerator.Allocate1D(queryTiles.Count == 0 ? [default] : queryTiles.ToArray());
        _keyTiles = accelerator.Allocate1D(keyTiles.Count == 0 ? [default] : keyTiles.ToArray());
        QueryTileCount = queryTiles.Count;
        KeyTileCount = keyTiles.Count;
        _rowDot = accelerator.Allocate1D<float>(queryRows);
        // Kernels always get a real bias buffer: a load from a dummy view could be hoisted past its guard.
        _zeroBias = accelerator.Allocate1D<float>(keyRows);
        _zeroBias.MemSetToZero();
    }

    public IReadOnlyList<AttentionSegment> Segments { get; }

    public int HeadDim { get; }

    internal int ForwardTileCount { get; }

    internal int QueryTileCount { get; }

    internal int KeyTileCount { get; }

    public void Forward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse)
    {
        if (ForwardTileCount == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.Tiles = _forwardTiles.View;
        _backend.Kernels(HeadDim).Forward(new KernelConfig(ForwardTileCount, _forwardThreads), args);
    }

    public void Backward(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse,
        IDeviceTensor dO, IDeviceTensor dq, IDeviceTensor dk, IDeviceTensor dv)
    {
        if (QueryTileCount == 0) return;
        var args = Args(q, k, v, keyBias, o, lse);
        args.DO = View(dO);
        args.DQ = View(dq);
        args.DK = View(dk);
        args.DV = View(dv);
        var kernels = _backend.Kernels(HeadDim);
        var queryGrid = new KernelConfig(QueryTileCount, FlashKernels.GroupRows);
        kernels.RowDot(queryGrid, args);
        kernels.BackwardQuery(queryGrid, args);
        args.Tiles = _keyTiles.View;
        kernels.BackwardKey(new KernelConfig(KeyTileCount, FlashKernels.GroupRows), args);
    }

    public void Dispose()
    {
        _forwardTiles.Dispose();
        _queryTiles.Dispose();
        _keyTiles.Dispose();
        _rowDot.Dispose();
        _zeroBias.Dispose();
    }

    private KernelArgs Args(IDeviceTensor q, IDeviceTensor k, IDeviceTensor v, IDeviceTensor? keyBias, IDeviceTensor o, IDeviceTensor lse) => new()
    {
        Tiles = _queryTiles.View,
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

    /// <summary>Query rows per forward tile and threads per group of the forward kernel for one head dimension.</summary>
    internal static (int Rows, int Threads) ForwardGeometry(int headDim) => headDim == 64
        ? (FlashForwardKernels.D64Rows, FlashForwardKernels.D64Threads)
        : (FlashForwardKernels.D128Rows, FlashForwardKernels.D128Threads);

    private static ArrayView<float> View(IDeviceTensor t) => ((IlgpuTensor)t).Buffer.View;
}
