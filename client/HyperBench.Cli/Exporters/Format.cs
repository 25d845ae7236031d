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
}
