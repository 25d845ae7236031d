using System.Globalization;

namespace HyperBench.Cli.Exporters;

/// <summary>The width the CLI lays its tables out for.</summary>
public static class ConsoleWidth
{
    /// <summary>Used when output is redirected (CI logs, files) and COLUMNS is not set: wide enough for every summary column.</summary>
    public const int Redirected = 220;

    /// <summary>
    /// COLUMNS when it holds a positive number (so `COLUMNS=80 hyperbench ... > log` lays out for 80 even when redirected);
    /// else <see cref="Redirected"/> when output is redirected; else null: the terminal's own width.
    /// </summary>
    public static int? Resolve(string? columns, bool outputRedirected) =>
        int.TryParse(columns, NumberStyles.None, CultureInfo.InvariantCulture, out int c) && c > 0 ? c
        : outputRedirected ? Redirected
        : null;
}
