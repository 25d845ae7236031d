namespace HyperBench.Kernels;

/// <summary>
/// The one spelling of a <see cref="Dtype"/>: its canonical name (fp32, tf32x3, bf16, fp16) goes into case ids, stored rows, reports
/// and options, and is parsed back here and nowhere else.
/// </summary>
public static class DtypeNames
{
    public static IReadOnlyList<Dtype> All { get; } = [Dtype.Fp32, Dtype.Tf32x3, Dtype.Bf16, Dtype.Fp16];

    /// <summary>The canonical names, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(Name)];

    public static string Name(this Dtype dtype) => dtype switch
    {
        Dtype.Fp32 => "fp32",
        Dtype.Tf32x3 => "tf32x3",
        Dtype.Bf16 => "bf16",
        Dtype.Fp16 => "fp16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"dtype {(int)dtype} is not defined."),
    };

    /// <summary>Case-insensitive; surrounding blanks ignored.</summary>
    public static bool TryParse(string? text, out Dtype dtype)
    {
        string s = (text ?? "").Trim().ToLowerInvariant();
        foreach (var d in All)
        {
            if (d.Name() != s) continue;
            dtype = d;
            return true;
        }
        dtype = default;
        return false;
    }

    /// <exception cref="ArgumentException">Not a known dtype (names the value and the known ones).</exception>
    public static Dtype Parse(string? text) => TryParse(text, out var d)
        ? d
        : throw new ArgumentException($"'{text}' is not a dtype; use one of: {string.Join(", ", Names)}.", nameof(text));
}
