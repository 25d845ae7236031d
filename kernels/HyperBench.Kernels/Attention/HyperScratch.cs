using HyperBench.Kernels.Backends;

namespace HyperBench.Kernels.Attention;

/// <summary>
/// The gathered rows (sorted Q, block + sampled K and V, partial O and lse, and the backward's gathered gradients) shared by
/// all levels of the causal recursion, sized for the largest level: memory stays O(n) instead of O(n log(n / min_seq_len)).
/// A level whose rows were overwritten by a later level gathers them again in its backward (<see cref="Owner"/>).
/// </summary>
internal sealed class HyperScratch(IAttentionBackend backend, int queryRows, int keyRows, int d, bool detached = false) : IDisposable
{
    private IDeviceTensor? _dOs, _dQs, _dKg, _dVg;

    public IDeviceTensor Qs { get; } = backend.Allocate((long)queryRows * d);
    public IDeviceTensor Kg { get; } = backend.Allocate((long)keyRows * d);
    public IDeviceTensor Vg { get; } = backend.Allocate((long)keyRows * d);
    public IDeviceTensor Os { get; } = backend.Allocate((long)queryRows * d);
    public IDeviceTensor Lses { get; } = backend.Allocate(queryRows);

    public IDeviceTensor DOs => _dOs ??= backend.Allocate((long)queryRows * d);
    public IDeviceTensor DQs => _dQs ??= backend.Allocate((long)queryRows * d);
    public IDeviceTensor DKg => _dKg ??= backend.Allocate((long)keyRows * d);
    public IDeviceTensor DVg => _dVg ??= backend.Allocate((long)keyRows * d);

    /// <summary>The lse of the sampled part alone (detached-lse forward, before its merge).</summary>
    public IDeviceTensor? PieceLse { get; } = detached ? backend.Allocate(queryRows) : null;

    /// <summary>The level whose gathered Q, K, V (and partial O, lse) the buffers hold now.</summary>
    public object? Owner { get; set; }

    /// <summary>Device bytes, forward only or with the backward's buffers (and detached-lse's part lse).</summary>
    public static long Bytes(int queryRows, int keyRows, int d, bool backward, bool detached = false) =>
        4L * (queryRows * (2L * d + 1) + keyRows * 2L * d) + (backward ? 4L * (2L * queryRows * d + 2L * keyRows * d) : 0) +
        (detached ? 4L * queryRows : 0);

    public void Dispose()
    {
        foreach (var t in new[] { Qs, Kg, Vg, Os, Lses, _dOs, _dQs, _dKg, _dVg, PieceLse }) t?.Dispose();
    }
}
