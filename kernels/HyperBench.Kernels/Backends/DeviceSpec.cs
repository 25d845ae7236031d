using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// A device as people and settings spell it, parsed in this one place: <c>auto</c>, a kind (<c>cpu</c>, <c>ilgpu-cpu</c>,
/// <c>cuda</c>), one CUDA device (<c>cuda:1</c>), or a cluster's device key (<c>10.0.0.5:11111/cuda:0</c>: the silo's endpoint, a
/// slash, the device). Spelling is case-insensitive; <see cref="ToString"/> gives the canonical (lower-case) spelling back.
/// </summary>
public sealed record DeviceSpec
{
    private const string CudaPrefix = "cuda:";

    private DeviceSpec(DeviceKind? kind, int? cudaIndex, string? silo)
    {
        Kind = kind;
        CudaIndex = cudaIndex;
        Silo = silo;
    }

    /// <summary>The spellings a user may type, for error messages and help.</summary>
    public static IReadOnlyList<string> Spellings { get; } = ["auto", "cuda", "cuda:<i>", "ilgpu-cpu", "cpu"];

    /// <summary>CUDA device 0 when one is present, else the cpu backend (<see cref="BackendFactory.Resolve"/>).</summary>
    public static DeviceSpec Auto { get; } = new(null, null, null);

    public static DeviceSpec Cpu { get; } = new(DeviceKind.Cpu, null, null);

    public static DeviceSpec IlgpuCpu { get; } = new(DeviceKind.IlgpuCpu, null, null);

    /// <summary>Null for auto.</summary>
    public DeviceKind? Kind { get; }

    /// <summary>The CUDA ordinal; null for another kind, or for "cuda" alone (any CUDA device in a filter, the first one to open).</summary>
    public int? CudaIndex { get; }

    /// <summary>The silo endpoint of a device key; null for a local spelling.</summary>
    public string? Silo { get; }

    public bool IsAuto => Kind is null;

    /// <summary>One device a backend can open (cpu, ilgpu-cpu, cuda:i), as opposed to auto, "cuda" alone or a device key.</summary>
    public bool IsConcrete => Kind is not null && Silo is null && (Kind != DeviceKind.Cuda || CudaIndex is not null);

    public static DeviceSpec Cuda(int? index = null) =>
        index is null or >= 0 ? new(DeviceKind.Cuda, index, null) : throw new ArgumentOutOfRangeException(nameof(index), index, "a CUDA index is >= 0.");

    /// <summary>The kind alone: matches every device of that kind.</summary>
    public static DeviceSpec OfKind(DeviceKind kind) => kind switch
    {
        DeviceKind.Cpu => Cpu,
        DeviceKind.IlgpuCpu => IlgpuCpu,
        _ => Cuda(),
    };

    /// <summary>The device a backend opens for this spelling: "cuda" alone is cuda:0; anything else is itself.</summary>
    public DeviceSpec Opened => Kind == DeviceKind.Cuda && CudaIndex is null ? new(Kind, 0, Silo) : this;

    /// <summary>This device as a key in a cluster: "{silo}/{device}".</summary>
    public DeviceSpec OnSilo(string silo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(silo);
        if (IsAuto) throw new InvalidOperationException("auto is not a device: resolve it first.");
        return new(Kind, CudaIndex, silo.Trim().ToLowerInvariant());
    }

    /// <exception cref="ArgumentException">The value is no device spelling; the message names it and the spellings there are.</exception>
    public static DeviceSpec Parse(string? value) =>
        TryParse(value, out var spec, out var error) ? spec : throw new ArgumentException(error, nameof(value));

    /// <param name="error">Why the value is not a device spelling, naming it; null on success.</param>
    public static bool TryParse(string? value, [NotNullWhen(true)] out DeviceSpec? spec, [NotNullWhen(false)] out string? error)
    {
        spec = null;
        string text = (value ?? "").Trim().ToLowerInvariant();
        string? silo = null;
        int slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            silo = text[..slash];
            text = text[(slash + 1)..];
            if (silo.Length == 0 || text == "auto")
            {
                error = $"device '{value}' is not a device key; a key is the silo's endpoint, a slash and a device (host:11111/cuda:0).";
                return false;
            }
        }
        DeviceSpec? parsed = text switch
        {
            "auto" => Auto,
            "cpu" => Cpu,
            "ilgpu-cpu" => IlgpuCpu,
            "cuda" => Cuda(),
            _ => null,
        };
        if (parsed is null && text.StartsWith(CudaPrefix, StringComparison.Ordinal))
        {
            if (!int.TryParse(text.AsSpan(CudaPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                error = $"device '{value}': the CUDA index must be a non-negative integer (cuda:0, cuda:1, ...).";
                return false;
            }
            parsed = Cuda(index);
        }
        if (parsed is null)
        {
            error = $"device '{value}' is not known; use one of: {string.Join(", ", Spellings)}.";
            return false;
        }
        spec = silo is null ? parsed : parsed.OnSilo(silo);
        error = null;
        return true;
    }

    /// <summary>
    /// Whether a plan's device filter (this) admits <paramref name="device"/> (a concrete device, usually a device key): a kind admits
    /// every device of its kind, cuda:1 that device on any silo, a device key that device on that silo only.
    /// </summary>
    public bool Matches(DeviceSpec device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (IsAuto) return true;
        if (Kind != device.Kind) return false;
        if (CudaIndex is not null && CudaIndex != device.CudaIndex) return false;
        return Silo is null || string.Equals(Silo, device.Silo, StringComparison.Ordinal);
    }

    /// <summary>"auto", "cpu", "ilgpu-cpu", "cuda", "cuda:1" or "{silo}/cuda:1".</summary>
    public override string ToString()
    {
        string device = Kind switch
        {
            null => "auto",
            DeviceKind.Cpu => "cpu",
            DeviceKind.IlgpuCpu => "ilgpu-cpu",
            _ => CudaIndex is { } i ? CudaPrefix + i.ToString(CultureInfo.InvariantCulture) : "cuda",
        };
        return Silo is null ? device : $"{Silo}/{device}";
    }
}
