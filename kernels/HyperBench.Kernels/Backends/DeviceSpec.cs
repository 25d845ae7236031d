using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace HyperBench.Kernels.Backends;

/// <summary>
/// A device as people and settings spell it, parsed in this one place: <c>auto</c>, a kind (<c>cpu</c>, <c>ilgpu-cpu</c>,
/// <c>cuda</c>, <c>sim</c>), one device of a kind (<c>cuda:1</c>; <c>cpu:0</c>, one of several CPU devices of one silo, each with its
/// own share of the cores; <c>sim:7</c>, a simulated device), or a cluster's device key (<c>10.0.0.5:11111/cuda:0</c>: the silo's
/// endpoint, a slash, the device). Spelling is case-insensitive; <see cref="ToString"/> gives the canonical (lower-case) spelling
/// back. Plain <c>cpu</c> is the whole process's CPU backend (every core).
/// </summary>
public sealed record DeviceSpec
{
    private DeviceSpec(DeviceKind? kind, int? index, string? silo)
    {
        Kind = kind;
        Index = index;
        Silo = silo;
    }

    /// <summary>The spellings a user may type, for error messages and help.</summary>
    public static IReadOnlyList<string> Spellings { get; } = ["auto", "cuda", "cuda:<i>", "ilgpu-cpu", "cpu", "cpu:<i>", "sim:<i>"];

    /// <summary>CUDA device 0 when one is present, else the cpu backend (<see cref="BackendFactory.Resolve"/>).</summary>
    public static DeviceSpec Auto { get; } = new(null, null, null);

    public static DeviceSpec Cpu { get; } = new(DeviceKind.Cpu, null, null);

    public static DeviceSpec IlgpuCpu { get; } = new(DeviceKind.IlgpuCpu, null, null);

    /// <summary>The simulated kind alone: every simulated device in a filter, sim:0 to open.</summary>
    public static DeviceSpec Simulated { get; } = new(DeviceKind.Simulated, null, null);

    /// <summary>Null for auto.</summary>
    public DeviceKind? Kind { get; }

    /// <summary>
    /// The device's ordinal within its kind on one silo (cuda:1, cpu:0, sim:7); null for a kind alone ("cuda": any CUDA device in a
    /// filter, the first one to open; "cpu": the whole-process CPU backend) and for ilgpu-cpu, which has no ordinal.
    /// </summary>
    public int? Index { get; }

    /// <summary>The silo endpoint of a device key; null for a local spelling.</summary>
    public string? Silo { get; }

    public bool IsAuto => Kind is null;

    /// <summary>
    /// One device a backend can open (cpu, cpu:i, ilgpu-cpu, cuda:i, sim:i), as opposed to auto, "cuda" or "sim" alone or a device key.
    /// </summary>
    public bool IsConcrete => Kind is not null && Silo is null && (Kind is not (DeviceKind.Cuda or DeviceKind.Simulated) || Index is not null);

    public static DeviceSpec Cuda(int? index = null) => Indexed(DeviceKind.Cuda, index);

    /// <summary>Plain "cpu" (null: the whole process) or cpu:i, one of several CPU devices of a silo.</summary>
    public static DeviceSpec CpuDevice(int? index = null) => index is null ? Cpu : Indexed(DeviceKind.Cpu, index);

    public static DeviceSpec SimulatedDevice(int? index = null) => index is null ? Simulated : Indexed(DeviceKind.Simulated, index);

    private static DeviceSpec Indexed(DeviceKind kind, int? index) =>
        index is null or >= 0 ? new(kind, index, null) : throw new ArgumentOutOfRangeException(nameof(index), index, "a device index is >= 0.");

    /// <summary>The kind alone: matches every device of that kind.</summary>
    public static DeviceSpec OfKind(DeviceKind kind) => kind switch
    {
        DeviceKind.Cpu => Cpu,
        DeviceKind.IlgpuCpu => IlgpuCpu,
        DeviceKind.Simulated => Simulated,
        _ => Cuda(),
    };

    /// <summary>The device a backend opens for this spelling: "cuda" alone is cuda:0, "sim" alone sim:0; anything else is itself.</summary>
    public DeviceSpec Opened => Kind is DeviceKind.Cuda or DeviceKind.Simulated && Index is null ? new(Kind, 0, Silo) : this;

    /// <summary>This device as a key in a cluster: "{silo}/{device}".</summary>
    public DeviceSpec OnSilo(string silo)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(silo);
        if (IsAuto) throw new InvalidOperationException("auto is not a device: resolve it first.");
        return new(Kind, Index, silo.Trim().ToLowerInvariant());
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
            "sim" => Simulated,
            _ => null,
        };
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        if (parsed is null && colon > 0 && KindOfPrefix(text[..colon]) is { } kind)
        {
            if (!int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                error = $"device '{value}': the index must be a non-negative integer ({text[..colon]}:0, {text[..colon]}:1, ...).";
                return false;
            }
            parsed = Indexed(kind, index);
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
        if (Index is not null && Index != device.Index) return false;
        return Silo is null || string.Equals(Silo, device.Silo, StringComparison.Ordinal);
    }

    /// <summary>"auto", "cpu", "cpu:0", "ilgpu-cpu", "cuda", "cuda:1", "sim", "sim:7" or "{silo}/cuda:1".</summary>
    public override string ToString()
    {
        string kind = Kind switch
        {
            null => "auto",
            DeviceKind.Cpu => "cpu",
            DeviceKind.IlgpuCpu => "ilgpu-cpu",
            DeviceKind.Simulated => "sim",
            _ => "cuda",
        };
        string device = Index is { } i ? kind + ":" + i.ToString(CultureInfo.InvariantCulture) : kind;
        return Silo is null ? device : $"{Silo}/{device}";
    }

    private static DeviceKind? KindOfPrefix(string prefix) => prefix switch
    {
        "cuda" => DeviceKind.Cuda,
        "cpu" => DeviceKind.Cpu,
        "sim" => DeviceKind.Simulated,
        _ => null,
    };
}
