using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace HyperBench.Kernels.Backends.Ilgpu;

/// <summary>
/// The ILGPU kernels on one accelerator: a CUDA GPU, or ILGPU's CPU accelerator running the very same kernel source
/// (the correctness vehicle on machines without a GPU).
/// </summary>
public sealed class IlgpuBackend : IAttentionBackend
{
    private readonly Context _context;
    private readonly Dictionary<int, IlgpuKernelSet> _kernels = [];
    private MemoryBuffer1D<float, Stride1D.Dense>? _flushBuffer;
    private HyperKernelSet? _hyper;
    private MmaKernelSet? _mma;

    private IlgpuBackend(Context context, Accelerator accelerator, DeviceInfo device)
    {
        _context = context;
        Accelerator = accelerator;
        Device = accelerator is CudaAccelerator cuda ? device with { Driver = cuda.DriverVersion.ToString() } : device;
    }

    public DeviceInfo Device { get; }

    /// <summary>
    /// The dtypes these kernels implement, on CUDA and on ILGPU's CPU accelerator alike (see <see cref="BackendDtypes"/>): fp32 on
    /// the SIMT kernels, the others on the tensor-core forward (<see cref="ITensorCorePlan"/>, d 64 and 128: every supported d).
    /// </summary>
    public static IReadOnlySet<Dtype> Dtypes { get; } = new HashSet<Dtype> { Dtype.Fp32, Dtype.Tf32x3, Dtype.Bf16, Dtype.Fp16 };

    /// <summary>
    /// The dtypes whose backward exists: all of <see cref="Dtypes"/>, fp32 on the SIMT backward and the others on the tensor-core
    /// backward (<see cref="ITensorCorePlan.BackwardMma"/>, d 64 and 128). <see cref="BackendDtypes.Refusal(Dtype, AttentionPass, string)"/> reads it.
    /// </summary>
    public static IReadOnlySet<Dtype> BackwardDtypes => Dtypes;

    public bool Supports(Dtype dtype) => Dtypes.Contains(dtype);

    internal Accelerator Accelerator { get; }

    /// <summary>CUDA devices visible to ILGPU (an empty list, not an exception, when there is none).</summary>
    public static int CudaDeviceCount()
    {
        try
        {
            using var context = Context.Create(b => b.Cuda());
            return context.GetCudaDevices().Count;
        }
        catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException)
        {
            return 0;
        }
    }

    public static IlgpuBackend CreateCuda(int index)
    {
        var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var devices = context.GetCudaDevices();
        if (index < 0 || index >= devices.Count)
        {
            context.Dispose();
            throw new ArgumentOutOfRangeException(nameof(index), index,
                devices.Count == 0 ? $"--device cuda:{index}: no CUDA device is visible on this machine." : $"--device cuda:{index}: only {devices.Count} CUDA device(s) (cuda:0..cuda:{devices.Count - 1}).");
        }
        var accelerator = (CudaAccelerator)devices[index].CreateAccelerator(context);
        int major = accelerator.Architecture.Major, minor = accelerator.Architecture.Minor;
        int coresPerSm = (major, minor) switch
        {
            (8, 0) or (7, _) or (6, 0) => 64,
            _ => 128,
        };
        // ILGPU reports the SM clock in MHz (an H200 gave 1980); CUDA's own attribute is in kHz. Accept either.
        double clockHz = accelerator.ClockRate >= 100_000 ? accelerator.ClockRate * 1e3 : accelerator.ClockRate * 1e6;
        double peak = (double)accelerator.NumMultiprocessors * coresPerSm * 2.0 * clockHz;
        // Dense tf32 mma FLOP per SM per clock: 2048 on Hopper (H100/H200: ~495 TFLOP/s), 1024 on Ampere's A100 and, as an
        // upper bound for the gate, on the smaller parts; fp16/bf16 twice that (DeviceInfo.PeakFlops).
        int tf32PerSm = major >= 9 ? 2048 : major >= 8 ? 1024 : 0;
        double tf32Peak = (double)accelerator.NumMultiprocessors * tf32PerSm * clockHz;
        var info = new DeviceInfo(DeviceKind.Cuda, DeviceSpec.Cuda(index).ToString(), accelerator.Name, accelerator.MemorySize, peak,
            $"sm_{major}{minor}, {accelerator.NumMultiprocessors} SMs, {clockHz / 1e6:F0} MHz, driver {accelerator.DriverVersion}", tf32Peak,
            PciBusId.FromIlgpu(accelerator.PCIDomainId, accelerator.PCIBusId, accelerator.PCIDeviceId));
        return new IlgpuBackend(context, accelerator, info);
    }

    /// <summary>ILGPU's CPU accelerator with a CUDA-like geometry (warp 32, groups up to 1024), never the sequential mode.</summary>
    public static IlgpuBackend CreateCpu()
    {
        var context = Context.Create(b => b.CPU(CPUDevice.Nvidia).EnableAlgorithms());
        var accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context);
        var info = new DeviceInfo(DeviceKind.IlgpuCpu, DeviceSpec.IlgpuCpu.ToString(), $"ILGPU CPU accelerator on {HostCpu.Model}",
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, HostCpu.PeakFp32Flops,
            $"{Environment.ProcessorCount} cores, {accelerator.MaxNumThreadsPerGroup} threads/group");
        return new IlgpuBackend(context, accelerator, info);
    }

    public IDeviceTensor Allocate(long length) => new IlgpuTensor(AllocateZeroed<float>(length));

    public IIndexTensor AllocateIndices(long length) => new IlgpuIndexTensor(AllocateZeroed<int>(length));

    /// <summary>At least one element, so even an empty tensor has a view a kernel launch can take.</summary>
    private MemoryBuffer1D<T, Stride1D.Dense> AllocateZeroed<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(Math.Max(length, 1));
        buffer.MemSetToZero();
        return buffer;
    }

    /// <summary>
    /// 16-bit values (bf16 or fp16 bit patterns, e.g. from <see cref="NarrowFloat"/>) packed two per 32-bit word, the storage the
    /// tensor-core kernels read (<see cref="ITensorCorePlan"/>); <see cref="IDeviceTensor.Length"/> counts the words.
    /// </summary>
    public IDeviceTensor Upload16(ReadOnlySpan<ushort> bits) => Upload(DtypeStorage.PackBits(bits));

    /// <summary>The tensor-core arithmetic of a dtype; null for fp32, which runs the SIMT kernels.</summary>
    public static MmaPrecision? Precision(Dtype dtype) => dtype switch
    {
        Dtype.Fp32 => null,
        Dtype.Tf32x3 => MmaPrecision.Tf32x3,
        Dtype.Bf16 => MmaPrecision.Bf16,
        Dtype.Fp16 => MmaPrecision.Fp16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"dtype {(int)dtype} is not defined."),
    };

    /// <summary>Whether a tensor-core forward exists for <paramref name="precision"/> at <paramref name="headDim"/>.</summary>
    public static bool SupportsMma(MmaPrecision precision, int headDim) => Enum.IsDefined(precision) && headDim is 64 or 128;

    /// <summary>Whether a tensor-core backward exists for <paramref name="precision"/> at <paramref name="headDim"/> (all three at d = 64 and 128).</summary>
    public static bool SupportsMmaBackward(MmaPrecision precision, int headDim) => Enum.IsDefined(precision) && headDim is 64 or 128;

    public IDeviceTensor Upload(ReadOnlySpan<float> data)
    {
        var buffer = Accelerator.Allocate1D<float>(Math.Max(data.Length, 1));
        if (data.Length > 0) buffer.View.AsContiguous().SubView(0, data.Length).CopyFromCPU(data);
        return new IlgpuTensor(buffer);
    }

    public void Download(IDeviceTensor tensor, Span<float> destination) => CopyToHost(View(tensor), destination);

    public void Clear(IDeviceTensor tensor) => ((IlgpuTensor)tensor).Buffer.MemSetToZero();

    public void Write(IDeviceTensor destination, ReadOnlySpan<float> source) => CopyFromHost(source, View(destination));

    public void WriteIndices(IIndexTensor destination, ReadOnlySpan<int> source) => CopyFromHost(source, View(destination));

    public void DownloadIndices(IIndexTensor source, Span<int> destination) => CopyToHost(View(source), destination);

    private static void CopyFromHost<T>(ReadOnlySpan<T> source, ArrayView<T> destination) where T : unmanaged
    {
        if (source.Length > 0) destination.SubView(0, source.Length).CopyFromCPU(source);
    }

    private static void CopyToHost<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged =>
        source.SubView(0, destination.Length).CopyToCPU(destination);

    public void LshCodes(IDeviceTensor x, IDeviceTensor projections, int rows, int headDim, int bits, IIndexTensor codes)
    {
        if (rows > 0) Hyper.LshCodes(rows, View(x), View(projections), headDim, bits, View(codes));
    }

    public void GatherRows(IDeviceTensor src, IIndexTensor index, int rows, int width, float fill, IDeviceTensor dst)
    {
        if (rows > 0) Hyper.Gather(rows * width, View(src), View(index), width, fill, View(dst));
    }

    public void ScatterAddRows(IDeviceTensor src, IIndexTensor index, int rows, int width, IDeviceTensor dst)
    {
        if (rows > 0) Hyper.ScatterAdd(rows * width, View(src), View(index), width, View(dst));
    }

    public void MergeRows(IDeviceTensor partO, IDeviceTensor partLse, IIndexTensor index, int rows, int headDim, bool accumulate,
        IDeviceTensor o, IDeviceTensor lse)
    {
        if (rows > 0) Hyper.Merge(rows, View(partO), View(partLse), View(index), headDim, accumulate ? 1 : 0, View(o), View(lse));
    }

    private HyperKernelSet Hyper => _hyper ??= new HyperKernelSet(Accelerator);

    internal MmaKernelSet Mma => _mma ??= new MmaKernelSet(Accelerator);

    private static ArrayView<float> View(IDeviceTensor t) => ((IlgpuTensor)t).Buffer.View;

    private static ArrayView<int> View(IIndexTensor t) => ((IlgpuIndexTensor)t).Buffer.View;

    public IAttentionPlan CreatePlan(IReadOnlyList<AttentionSegment> segments, int headDim, float scale)
    {
        if (!AttentionShape.SupportedHeadDims.Contains(headDim))
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, $"d = {headDim} is not supported by the ILGPU kernels.");
        return new IlgpuAttentionPlan(this, segments, headDim, scale);
    }

    public long PlanWorkspaceBytes(int queryRows, int keyRows, int headDim, bool backward) =>
        4L * (queryRows + keyRows) + 24L * (queryRows / 16 + keyRows / 16 + queryRows / FlashKernels.GroupRows + 3) + (Device.Kind == DeviceKind.Cuda ? FlushBytes : 0);

    public void Synchronize() => Accelerator.Synchronize();

    public void FlushCaches()
    {
        if (Device.Kind != DeviceKind.Cuda) return;
        _flushBuffer ??= Accelerator.Allocate1D<float>(FlushBytes / sizeof(float));
        _flushBuffer.MemSetToZero();
    }

    internal IlgpuKernelSet Kernels(int headDim)
    {
        if (_kernels.TryGetValue(headDim, out var set)) return set;
        set = IlgpuKernelSet.Load(Accelerator, headDim);
        _kernels[headDim] = set;
        return set;
    }

    public void Dispose()
    {
        _flushBuffer?.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }

    /// <summary>Larger than any current GPU's L2 (H100/H200: 50 MB).</summary>
    private const int FlushBytes = 256 << 20;
}
