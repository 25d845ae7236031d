using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Hosting;

/// <summary>Turns the Devices setting into device spellings: one device worker each.</summary>
public static class DeviceSelection
{
    /// <summary>Checks the spelling without touching a device. "auto" and "none" pass through.</summary>
    /// <exception cref="ArgumentException">An entry is not a known device spelling (names it).</exception>
    public static IReadOnlyList<string> Parse(string? devices)
    {
        string value = (devices ?? BackendFactory.Auto).Trim().ToLowerInvariant();
        if (value is BackendFactory.Auto or "none") return [value];
        var list = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0) throw new ArgumentException($"'{devices}' lists no device; use auto, none, or e.g. cpu,cuda:0.", nameof(devices));
        foreach (var d in list)
        {
            bool ok = d is "cpu" or "ilgpu-cpu" or "cuda" || (d.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(d.AsSpan(5), out int i) && i >= 0);
            if (!ok) throw new ArgumentException($"device '{d}' is not known; use one of: {string.Join(", ", BackendFactory.Spellings)}, none.", nameof(devices));
        }
        return list.Select(d => d == "cuda" ? "cuda:0" : d).Distinct().ToArray();
    }

    /// <summary>The devices to run: "auto" is every CUDA device present, or the cpu backend when there is none.</summary>
    public static IReadOnlyList<string> Resolve(string? devices)
    {
        var parsed = Parse(devices);
        if (parsed is ["none"]) return [];
        if (parsed is not [BackendFactory.Auto]) return parsed;
        int cuda = IlgpuBackend.CudaDeviceCount();
        return cuda > 0 ? Enumerable.Range(0, cuda).Select(i => $"cuda:{i}").ToArray() : ["cpu"];
    }
}
