using System.Globalization;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// A GPU's PCI address, one spelling for every place that names it. NVML and DCGM write the domain with 8 hex digits
/// ("00000000:3B:00.0"), Linux sysfs and nvidia-smi's short form with 4 ("0000:3b:00.0"), ILGPU gives three numbers (domain,
/// bus, device). <see cref="ToString"/> is NVML's form, so a label built from it joins DCGM's <c>pci_bus_id</c> as it is.
/// </summary>
public readonly record struct PciBusId(uint Domain, byte Bus, byte Device, byte Function = 0)
{
    /// <summary>From ILGPU's <c>CudaAccelerator.PCIDomainId/PCIBusId/PCIDeviceId</c> (function 0: a GPU is function 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number outside PCI's ranges (bus 0..255, device 0..31).</exception>
    public static PciBusId FromIlgpu(int domain, int bus, int device)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(domain);
        if (bus is < 0 or > 255) throw new ArgumentOutOfRangeException(nameof(bus), bus, $"PCI bus {bus} is not in 0..255.");
        if (device is < 0 or > 31) throw new ArgumentOutOfRangeException(nameof(device), device, $"PCI device {device} is not in 0..31.");
        return new PciBusId((uint)domain, (byte)bus, (byte)device);
    }

    /// <summary>
    /// Reads "DDDDDDDD:BB:DD.F", "DDDD:BB:DD.F" or "BB:DD.F" (domain 0), any case of hex digit; the function may be left out ("0000:3b:00").
    /// </summary>
    public static bool TryParse(string? text, out PciBusId id)
    {
        id = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var parts = text.Trim().Split(':');
        if (parts.Length is < 2 or > 3) return false;
        uint domain = 0;
        if (parts.Length == 3 && (parts[0].Length is < 1 or > 8 || !uint.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out domain)))
            return false;
        string bus = parts[^2];
        var deviceFunction = parts[^1].Split('.');
        if (deviceFunction.Length > 2) return false;
        if (!Hex(bus, 2, out uint b) || !Hex(deviceFunction[0], 2, out uint d) || d > 31) return false;
        uint f = 0;
        if (deviceFunction.Length == 2 && (!Hex(deviceFunction[1], 1, out f) || f > 7)) return false;
        id = new PciBusId(domain, (byte)b, (byte)d, (byte)f);
        return true;
    }

    /// <exception cref="FormatException">Not a PCI address; the message names the text.</exception>
    public static PciBusId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not a PCI bus id (expected e.g. 00000000:3B:00.0 or 0000:3b:00.0).");

    /// <summary>Two spellings of one address compare equal once parsed; this normalises a spelling to NVML's.</summary>
    public static string Normalize(string text) => Parse(text).ToString();

    /// <summary>NVML's and DCGM's form: 8 hex digits of domain, upper case, "00000000:3B:00.0".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Domain:X8}:{Bus:X2}:{Device:X2}.{Function:X1}");

    /// <summary>Linux sysfs' form (4-digit domain, lower case): "0000:3b:00.0".</summary>
    public string ToShortString() => string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Device:x2}.{Function:x1}");

    private static bool Hex(string s, int maxDigits, out uint value)
    {
        value = 0;
        return s.Length >= 1 && s.Length <= maxDigits && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
