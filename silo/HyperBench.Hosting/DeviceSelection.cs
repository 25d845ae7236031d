using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Hosting;

/// <summary>Turns the Devices setting into device spellings: one device worker each.</summary>
public static class DeviceSelection
{
    /// <summary>The setting that opens no device (a silo that only schedules).</summary>
    public const string None = "none";

    /// <summary>
    /// Checks the spelling without touching a device; answers canonical spellings ("cuda" is cuda:0). "auto" and "none" pass through.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is not a local device spelling (names it).</exception>
    public static IReadOnlyList<string> Parse(string? devices)
    {
        string value = (devices ?? "").Trim();
        if (value.Length == 0) return [DeviceSpec.Auto.ToString()];
        if (string.Equals(value, None, StringComparison.OrdinalIgnoreCase)) return [None];
        var list = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new ArgumentException($"'{devices}' lists no device; use auto, none, or e.g. cpu,cuda:0.", nameof(devices));
        var specs = new List<DeviceSpec>(list.Length);
        foreach (var d in list)
        {
            if (!DeviceSpec.TryParse(d, out var spec, out var error))
                throw new ArgumentException($"{error} ({None} opens no device.)", nameof(devices));
            if (spec.Silo is not null)
                throw new ArgumentException($"device '{d}' is a device key of a cluster; a silo opens its own devices: {string.Join(", ", DeviceSpec.Spellings)}, {None}.", nameof(devices));
            if (spec.IsAuto && list.Length > 1)
                throw new ArgumentException($"device '{d}' cannot be listed with other devices ('{devices}'): auto already picks them.", nameof(devices));
            specs.Add(spec.Opened);
        }
        return specs.Select(s => s.ToString()).Distinct().ToArray();
    }

    /// <summary>The devices to run: "auto" is every CUDA device present, or the cpu backend when there is none.</summary>
    public static IReadOnlyList<string> Resolve(string? devices)
    {
        var parsed = Parse(devices);
        if (parsed is [None]) return [];
        if (!parsed.Any(d => DeviceSpec.Parse(d).IsAuto)) return parsed;
        int cuda = IlgpuBackend.CudaDeviceCount();
        return cuda > 0 ? Enumerable.Range(0, cuda).Select(i => DeviceSpec.Cuda(i).ToString()).ToArray() : [DeviceSpec.Cpu.ToString()];
    }
}
