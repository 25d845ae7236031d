using System.Reflection;
using System.Runtime.InteropServices;
using HyperBench.Kernels.Backends;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.Cuda.API;

namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// A CUDA device read through NVML (ILGPU.Algorithms' bindings), found by its PCI bus id: CUDA's and NVML's device indices
/// differ under CUDA_VISIBLE_DEVICES and in containers, the bus address does not.
/// </summary>
public sealed class NvmlDeviceTelemetry : IDeviceTelemetry
{
    private static int _resolverSet;

    private readonly NvmlAPI _api;
    private readonly IntPtr _device;
    private readonly TimeSpan _period;
    private int _disposed;

    private NvmlDeviceTelemetry(NvmlAPI api, IntPtr device, PciBusId busId, TimeSpan period)
    {
        _api = api;
        _device = device;
        _period = period;
        BusId = busId;
    }

    public PciBusId BusId { get; }

    public string? UnavailableReason => null;

    /// <summary>
    /// NVML's device at <paramref name="busId"/>, or, when NVML cannot be loaded or initialised or has no such device, a
    /// <see cref="NoDeviceTelemetry"/> whose reason says so (a machine without the NVIDIA driver has no libnvidia-ml).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A period that is not positive.</exception>
    public static IDeviceTelemetry Open(PciBusId busId, TimeSpan period)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), period, $"telemetry period {period} must be positive.");
        NvmlAPI? api;
        NvmlReturn init;
        try
        {
            ResolveVersionedLibrary();
            api = NvmlAPI.Create(null);
            if (api is null) return new NoDeviceTelemetry("NVML unavailable: no NVML binding for this platform");
            init = api.Init();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return new NoDeviceTelemetry($"NVML unavailable: {FirstSentence(ex.Message)} (the NVIDIA driver's libnvidia-ml is not installed or not visible)");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Telemetry is an addition: whatever NVML does, the device still runs its cases.
            return new NoDeviceTelemetry($"NVML unavailable: {ex.GetType().Name}: {FirstSentence(ex.Message)}");
        }
        if (init != NvmlReturn.NVML_SUCCESS) return new NoDeviceTelemetry($"NVML unavailable: nvmlInit returned {init}");
        try
        {
            var found = api.DeviceGetHandleByPciBusId(busId.ToString(), out var device);
            if (found == NvmlReturn.NVML_SUCCESS) return new NvmlDeviceTelemetry(api, device, busId, period);
            api.Shutdown();
            return new NoDeviceTelemetry($"NVML has no device at PCI bus id {busId}: {found}");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            api.Shutdown();
            return new NoDeviceTelemetry($"NVML could not open the device at PCI bus id {busId}: {FirstSentence(ex.Message)}");
        }
    }

    public TelemetryRecording Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return TelemetryRecording.Sampling(Read, _period);
    }

    /// <summary>One reading; a quantity the device does not report is null.</summary>
    private TelemetrySample Read()
    {
        var at = DateTime.UtcNow;
        int? sm = _api.DeviceGetClockInfo(_device, NvmlClockType.NVML_CLOCK_SM, out uint smMhz) == NvmlReturn.NVML_SUCCESS ? (int)smMhz : null;
        int? memory = _api.DeviceGetClockInfo(_device, NvmlClockType.NVML_CLOCK_MEM, out uint memMhz) == NvmlReturn.NVML_SUCCESS ? (int)memMhz : null;
        int? temperature = _api.DeviceGetTemperature(_device, NvmlTemperatureSensors.NVML_TEMPERATURE_GPU, out uint celsius) == NvmlReturn.NVML_SUCCESS
            ? (int)celsius : null;
        // NVML reports milliwatts.
        double? power = _api.DeviceGetPowerUsage(_device, out uint milliwatts) == NvmlReturn.NVML_SUCCESS ? milliwatts / 1000.0 : null;
        ulong? reasons = _api.DeviceGetCurrentClocksThrottleReasons(_device, out ulong mask) == NvmlReturn.NVML_SUCCESS ? mask : null;
        return new TelemetrySample(at, sm, memory, temperature, power, reasons);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _api.Shutdown();
    }

    /// <summary>
    /// ILGPU binds NVML as "nvidia-ml", which .NET probes as libnvidia-ml.so; a machine with only the driver (every GPU container
    /// among them) has libnvidia-ml.so.1 alone (the unversioned link comes with development packages). Try that name as well.
    /// </summary>
    private static void ResolveVersionedLibrary()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref _resolverSet, 1) != 0) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NvmlAPI).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The assembly already has a resolver (ILGPU's own or the host's): leave loading to it.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name.StartsWith("nvidia-ml", StringComparison.Ordinal) && NativeLibrary.TryLoad("libnvidia-ml.so.1", assembly, searchPath, out var handle)
            ? handle : IntPtr.Zero;

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end > 0 ? message[..end] : message).Trim();
    }
}
