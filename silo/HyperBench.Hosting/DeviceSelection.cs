using System.Globalization;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Hosting;

/// <summary>Turns the Devices setting into device spellings: one device worker each.</summary>
public static class DeviceSelection
{
    /// <summary>The setting that opens no device (a silo that only schedules).</summary>
    public const string None = "none";

    /// <summary>The most devices one range ("sim:0-255") may expand to.</summary>
    public const int MaxRange = 1024;

    /// <summary>
    /// Checks the spelling without touching a device; answers canonical spellings ("cuda" is cuda:0). "auto" and "none" pass through.
    /// A range of ordinals opens one device each: "cpu:0-1" (two CPU devices, each with its share of the cores), "sim:0-63".
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
        foreach (var d in list.SelectMany(d => ExpandRange(d, devices)))
        {
            if (!DeviceSpec.TryParse(d, out var spec, out var error))
                throw new ArgumentException($"{error} ({None} opens no device.)", nameof(devices));
            if (spec.Silo is not null)
                throw new ArgumentException($"device '{d}' is a device key of a cluster; a silo opens its own devices: {string.Join(", ", DeviceSpec.Spellings)}, {None}.", nameof(devices));
            if (spec.IsAuto && list.Length > 1)
                throw new ArgumentException($"device '{d}' cannot be listed with other devices ('{devices}'): auto already picks them.", nameof(devices));
            specs.Add(spec.Opened);
        }
        if (specs.Any(s => s == DeviceSpec.Cpu) && specs.Any(s => s.Kind == DeviceKind.Cpu && s.Index is not null))
            throw new ArgumentException($"'{devices}' mixes cpu (every core) with cpu:<i> devices (a share of the cores each); use one or the other.", nameof(devices));
        return specs.Select(s => s.ToString()).Distinct().ToArray();
    }

    /// <summary>"sim:0-3" is sim:0, sim:1, sim:2, sim:3; anything else is itself.</summary>
    private static IEnumerable<string> ExpandRange(string entry, string? devices)
    {
        int colon = entry.IndexOf(':', StringComparison.Ordinal);
        int dash = entry.IndexOf('-', colon + 1);
        if (colon <= 0 || dash < 0 || entry.Contains('/', StringComparison.Ordinal)) return [entry];
        string kind = entry[..colon];
        if (!int.TryParse(entry.AsSpan(colon + 1, dash - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int first)
            || !int.TryParse(entry.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int last) || last < first)
            throw new ArgumentException($"device range '{entry}' in '{devices}' must be {kind}:FIRST-LAST with FIRST <= LAST (e.g. {kind}:0-3).", nameof(devices));
        if (last - first + 1 > MaxRange)
            throw new ArgumentException($"device range '{entry}' opens {last - first + 1} devices; at most {MaxRange} per range.", nameof(devices));
        return Enumerable.Range(first, last - first + 1).Select(i => kind + ":" + i.ToString(CultureInfo.InvariantCulture));
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
