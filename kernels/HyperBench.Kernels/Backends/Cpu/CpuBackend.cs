using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyperBench.Kernels.Backends.Cpu;

/// <summary>
/// The managed, vectorised CPU backend: tensors are pinned float arrays, plans run flash-style tiled kernels on
/// <see cref="Threads"/> worker threads (every core for "cpu"; a share of them for cpu:i, one of several CPU devices of a silo).
/// Everything is synchronous, so <see cref="Synchronize"/> and <see cref="FlushCaches"/> have nothing to do.
/// </summary>
public sealed class CpuBackend : IAttentionBackend
{
    /// <param name="index">Null: the process's CPU backend ("cpu"); i: cpu:i, one of several CPU devices of one silo.</param>
    /// <param name="threads">Worker threads of this device's kernels; null: every core (<see cref="Environment.ProcessorCount"/>).</param>
    public CpuBackend(int? index = null, int? threads = null)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "a CPU device needs at least one thread.");
        Threads = threads ?? Environment.ProcessorCount;
        Workers = new ParallelOptions { MaxDegreeOfParallelism = Threads };
        Device = Describe(DeviceSpec.CpuDevice(index).ToString(), Threads);
    }

    public DeviceInfo Device { get; }

    /// <summary>How many threads this device's kernels use at most (its share of the cores).</summary>
    public int Threads { get; }

    /// <summary>One task per thread of this device: bounds the live scratch sets to what PlanWorkspaceBytes reports.</summary>
    internal ParallelOptions Workers { get; }

    /// <summary>The dtypes this backend implements (asked before a device is opened, see <see cref="BackendDtypes"/>).</summary>
    public static IReadOnlySet<Dtype> Dtypes { get; } = new HashSet<Dtype> { Dtype.Fp32 };

    /// <summary>The dtypes of the backward: all of <see cref="Dtypes"/>.</summary>
    public static IReadOnlySet<Dtype> BackwardDtypes => Dtypes;

    public bool Supports(Dtype dtype) => Dtypes.Contains(dtype);

    public IDeviceTensor Allocate(long length) => new CpuTensor(length);

    public IDeviceTensor Upload(ReadOnlySpan<float> data)
    {
        var t = new CpuTensor(data.Length);
        data.CopyTo(t.Span);
        return t;
    }

    public void Download(IDeviceTensor tensor, Span<float> destination) => AsCpu(tensor).Span.CopyTo(destination);

    public void Clear(IDeviceTensor tensor) => AsCpu(tensor).Span.Clear();

    public void Write(IDeviceTensor destination, ReadOnlySpan<float> source) => source.CopyTo(AsCpu(destination).Span);

    public IIndexTensor AllocateIndices(long length) => new CpuIndexTensor(length);

    public void WriteIndices(IIndexTensor destination, ReadOnlySpan<int> source) => source.CopyTo(AsCpu(destination).Span);

    public void DownloadIndices(IIndexTensor source, Span<int> destination) => AsCpu(source).Span.CopyTo(destination);

    public unsafe void LshCodes(IDeviceTensor x, IDeviceTensor projections, int rows, int headDim, int bits, IIndexTensor codes)
    {
        Require(x, (long)rows * headDim, nameof(x));
        Require(projections, (long)bits * headDim, nameof(projections));
        Require(codes, rows, nameof(codes));
        CpuRowOps.LshCodes(Workers, AsCpu(x).Pointer, AsCpu(projections).Pointer, rows, headDim, bits, AsCpu(codes).Pointer);
    }

    public unsafe void GatherRows(IDeviceTensor src, IIndexTensor index, int rows, int width, float fill, IDeviceTensor dst)
    {
        Require(index, rows, nameof(index));
        Require(dst, (long)rows * width, nameof(dst));
        CpuRowOps.Gather(Workers, AsCpu(src).Pointer, AsCpu(index).Pointer, rows, width, fill, AsCpu(dst).Pointer);
    }

    public unsafe void ScatterAddRows(IDeviceTensor src, IIndexTensor index, int rows, int width, IDeviceTensor dst)
    {
        Require(index, rows, nameof(index));
        Require(src, (long)rows * width, nameof(src));
        CpuRowOps.ScatterAdd(Workers, AsCpu(src).Pointer, AsCpu(index).Pointer, rows, width, AsCpu(dst).Pointer);
    }

    public unsafe void MergeRows(IDeviceTensor partO, IDeviceTensor partLse, IIndexTensor index, int rows, int headDim, bool accumulate,
        IDeviceTensor o, IDeviceTensor lse)
    {
        Require(index, rows, nameof(index));
        Require(partO, (long)rows * headDim, nameof(partO));
        Require(partLse, rows, nameof(partLse));
        CpuRowOps.Merge(Workers, AsCpu(partO).Pointer, AsCpu(partLse).Pointer, AsCpu(index).Pointer, rows, headDim, accumulate,
            AsCpu(o).Pointer, AsCpu(lse).Pointer);
    }

    /// <summary>Index values are trusted (they come from HyperAttention); lengths are checked because a short buffer is the likely bug.</summary>
    private static void Require(IDeviceTensor t, long elements, string name) => Require(AsCpu(t).Length, elements, name);

    private static void Require(IIndexTensor t, long elements, string name) => Require(AsCpu(t).Length, elements, name);

    private static void Require(long length, long elements, string name)
    {
        if (length < elements)
            throw new ArgumentException($"{name} has {length} elements; the operation needs {elements}.", name);
    }

    public IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale) =>
        new CpuAttentionPlan(segments, headDim, scale, Workers);

    /// <summary>
    /// Per worker: forward tiles, or backward tiles plus a dQ partial as large as the largest segment's query rows
    /// (bounded here by queryRows), plus the backward's D vector (one float per query row).
    /// </summary>
    public long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward)
    {
        long workers = Threads;
        if (!backward) return workers * CpuAttentionPlan.ForwardScratchBytes(headDim);
        return workers * CpuAttentionPlan.BackwardScratchBytes(headDim, queryRows) + 4L * queryRows;
    }

    public void Synchronize()
    {
    }

    public void FlushCaches()
    {
    }

    public void Dispose()
    {
    }

    private static CpuTensor AsCpu(IDeviceTensor tensor) =>
        tensor as CpuTensor ?? throw new ArgumentException($"expected a CpuTensor, got {tensor?.GetType().Name ?? "null"}.", nameof(tensor));

    private static CpuIndexTensor AsCpu(IIndexTensor tensor) =>
        tensor as CpuIndexTensor ?? throw new ArgumentException($"expected a CpuIndexTensor, got {tensor?.GetType().Name ?? "null"}.", nameof(tensor));

    private static DeviceInfo Describe(string id, int threads)
    {
        string? cpuinfo = TryRead("/proc/cpuinfo");
        string name = CpuInfoField(cpuinfo, "model name") ?? RuntimeInformation.ProcessArchitecture + " (" + RuntimeInformation.OSDescription + ")";
        double ghz = MaxClockGhz(cpuinfo);
        bool avx512 = Vector512.IsHardwareAccelerated;
        int lanes = avx512 ? Vector512<float>.Count : Vector256.IsHardwareAccelerated ? Vector256<float>.Count : Vector<float>.Count;
        int cores = threads;
        // Two FMA pipes per core, two flops per FMA lane: an upper bound for the sanity gate, not an expectation.
        double peak = cores * 2.0 * 2.0 * lanes * ghz * 1e9;
        string isa = avx512 ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2" : "Vector<float> x" + Vector<float>.Count;
        string detail = string.Create(CultureInfo.InvariantCulture, $"{cores} {(cores == Environment.ProcessorCount ? "cores" : "of " + Environment.ProcessorCount + " cores")}, {isa}, {ghz:0.00} GHz assumed for peak");
        return new DeviceInfo(DeviceKind.Cpu, id, name, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, peak, detail);
    }

    /// <summary>
    /// cpuinfo_max_freq (kHz) when the kernel exposes it; otherwise 4 GHz, or the largest "cpu MHz" line if higher.
    /// "cpu MHz" alone is the current or nominal clock (VMs report the base clock) and boost runs well above it,
    /// so it would make the bound too low; erring high is safe for an upper bound.
    /// </summary>
    private static double MaxClockGhz(string? cpuinfo)
    {
        string? khz = TryRead("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
        if (khz != null && double.TryParse(khz.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double k) && k > 0)
            return k / 1e6;
        double best = 0;
        if (cpuinfo != null)
        {
            foreach (var line in cpuinfo.Split('\n'))
            {
                if (!line.StartsWith("cpu MHz", StringComparison.Ordinal)) continue;
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && double.TryParse(line[(colon + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz))
                    best = Math.Max(best, mhz);
            }
        }
        return Math.Max(4.0, best / 1000);
    }

    private static string? CpuInfoField(string? cpuinfo, string field)
    {
        if (cpuinfo == null) return null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
