namespace HyperBench.Cli.Commands;

/// <summary>
/// Spectre.Console.Cli rejects one-letter long options, but `--n` and `--d` are what attention papers and our docs write:
/// rewrite them to their long spellings before parsing.
/// </summary>
public static class OptionAliases
{
    private static readonly Dictionary<string, string> Map = new(StringComparer.Ordinal)
    {
        ["--n"] = "--seq-len",
        ["--d"] = "--head-dim",
        ["--k"] = "--device-counts",
    };

    public static string[] Expand(IEnumerable<string> args) => args.Select(a =>
    {
        int eq = a.IndexOf('=', StringComparison.Ordinal);
        string name = eq >= 0 ? a[..eq] : a;
        return Map.TryGetValue(name, out var full) ? full + (eq >= 0 ? a[eq..] : "") : a;
    }).ToArray();
}
