namespace HyperBench.Kernels.Backends;

/// <summary>What a backend runs on: enough to judge whether a number is plausible and whether a case fits.</summary>
/// <param name="Kind">Backend kind.</param>
/// <param name="Id">The --device spelling, e.g. cuda:0, ilgpu-cpu, cpu.</param>
/// <param name="Name">Model name (GPU model or CPU model).</param>
/// <param name="MemoryBytes">Memory the backend may allocate from.</param>
/// <param name="PeakFp32Flops">Theoretical fp32 peak (FLOP/s) used by the sanity gate.</param>
/// <param name="Detail">Compute capability, core count, driver: free text for the environment record.</param>
/// <param name="PeakTf32Flops">Theoretical dense tf32 tensor-core peak (FLOP/s); 0 where there are no tensor cores (the CPU
/// accelerator emulates them in fp32, so its fp32 peak bounds every dtype).</param>
/// <param name="PciBusId">The GPU's PCI address in DCGM's and nvidia-smi's form, "00000000:3B:00.0" (<see cref="PciBusIdOf"/>); empty
/// where there is none (cpu).</param>
/// <param name="Uuid">The GPU's UUID ("GPU-..."); empty when the backend does not know it.</param>
/// <param name="Driver">The driver version (CUDA driver API version on CUDA); empty where there is none.</param>
public sealed record DeviceInfo(DeviceKind Kind, string Id, string Name, long MemoryBytes, double PeakFp32Flops, string Detail, double PeakTf32Flops = 0,
    string PciBusId = "", string Uuid = "", string Driver = "")
{
    /// <summary>
    /// A PCI address as DCGM (dcgm-exporter's <c>pci_bus_id</c> label), NVML's v2 API and nvidia-smi write it: 8 hex digits of domain,
    /// 2 of bus, 2 of device, function 0, upper case ("00000000:3B:00.0"). CUDA and ILGPU give the three numbers (ILGPU's own
    /// NVMLPCIBusId string has a 4-digit domain, "0000:3b:00.0", which would not join).
    /// </summary>
    public static string PciBusIdOf(int domain, int bus, int device) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{domain:X8}:{bus:X2}:{device:X2}.0");

    /// <summary>Any written form of a PCI address ("0000:3b:00.0", "3B:00.0") in <see cref="PciBusIdOf"/>'s form; empty stays empty.</summary>
    /// <exception cref="ArgumentException">Not a PCI address; the message names it.</exception>
    public static string NormalizePciBusId(string pciBusId)
    {
        ArgumentNullException.ThrowIfNull(pciBusId);
        if (pciBusId.Length == 0) return "";
        var parts = pciBusId.Trim().Split(':');
        string[] last = parts[^1].Split('.');
        const System.Globalization.NumberStyles hex = System.Globalization.NumberStyles.AllowHexSpecifier;
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (parts.Length is < 2 or > 3 || last.Length != 2
            || !int.TryParse(parts.Length == 3 ? parts[0] : "0", hex, inv, out int domain)
            || !int.TryParse(parts[^2], hex, inv, out int bus) || !int.TryParse(last[0], hex, inv, out int device)
            || !int.TryParse(last[1], hex, inv, out int function))
            throw new ArgumentException($"'{pciBusId}' is not a PCI bus id (domain:bus:device.function, e.g. 00000000:3B:00.0).", nameof(pciBusId));
        return string.Create(inv, $"{domain:X8}:{bus:X2}:{device:X2}.{function:X}");
    }

    /// <summary>
    /// The peak a case at <paramref name="dtype"/> cannot exceed, for the sanity gate: fp32 SIMT for fp32; on tensor cores the
    /// tf32 peak for tf32x3 divided by its 3 mma per product, and twice the tf32 peak for bf16 and fp16 (Ampere and Hopper).
    /// </summary>
    public double PeakFlops(Dtype dtype) => PeakTf32Flops <= 0 ? PeakFp32Flops : dtype switch
    {
        Dtype.Tf32x3 => PeakTf32Flops / 3,
        Dtype.Bf16 or Dtype.Fp16 => 2 * PeakTf32Flops,
        _ => PeakFp32Flops,
    };
}
