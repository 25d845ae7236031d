using HyperBench.Kernels.Backends.Cpu;
using HyperBench.Kernels.Backends.Ilgpu;

namespace HyperBench.Kernels.Backends;

/// <summary>Turns a --device value into a backend: cuda[:i], ilgpu-cpu, cpu, or auto (cuda when a CUDA device is present, else cpu).</summary>
public static class BackendFactory
{
    public const string Auto = "auto";

    public static IReadOnlyList<string> Spellings { get; } = ["auto", "cuda", "cuda:<i>", "ilgpu-cpu", "cpu"];

    /// <summary>Resolves "auto" without creating anything heavy.</summary>
    public static string Resolve(string? spec)
    {
        string s = (spec ?? Auto).Trim().ToLowerInvariant();
        if (s == Auto) return IlgpuBackend.CudaDeviceCount() > 0 ? "cuda:0" : "cpu";
        if (s == "cuda") return "cuda:0";
        return s;
    }

    /// <exception cref="ArgumentException">The spelling is unknown or names a device that is not there.</exception>
    public static IAttentionBackend Create(string? spec)
    {
        string s = Resolve(spec);
        if (s == "cpu") return new CpuBackend();
        if (s == "ilgpu-cpu") return IlgpuBackend.CreateCpu();
        if (s.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!int.TryParse(s.AsSpan(5), out int index) || index < 0)
                throw new ArgumentException($"--device '{spec}': the CUDA index must be a non-negative integer (cuda:0, cuda:1, ...).", nameof(spec));
            return IlgpuBackend.CreateCuda(index);
        }
        throw new ArgumentException($"--device '{spec}' is not known; use one of: {string.Join(", ", Spellings)}.", nameof(spec));
    }
}
