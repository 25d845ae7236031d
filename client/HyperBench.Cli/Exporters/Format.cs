using System.Globalization;

namespace HyperBench.Cli.Exporters;

internal static class Format
{
    public static string Seconds(double s) => s switch
    {
        >= 1 => s.ToString("F3", CultureInfo.InvariantCulture) + " s",
        >= 1e-3 => (s * 1e3).ToString("F2", CultureInfo.InvariantCulture) + " ms",
        _ => (s * 1e6).ToString("F1", CultureInfo.InvariantCulture) + " µs",
    };

    /// <summary>A speed-up: two decimals and ×, "-" without one.</summary>
    public static string Speedup(double? s) => s is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-";

    /// <summary>A relative error: three decimals, or mantissa and exponent below 0.01 (bf16 flash is about 1e-3, tf32x3 about 1e-6).</summary>
    public static string Error(double? e) => e switch
    {
        null => "-",
        < 0.01 and > 0 => e.Value.ToString("0.00e+0", CultureInfo.InvariantCulture),
        _ => e.Value.ToString("F3", CultureInfo.InvariantCulture),
    };
}
