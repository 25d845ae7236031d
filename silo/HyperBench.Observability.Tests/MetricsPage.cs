using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>A Prometheus text page, parsed into samples (name, labels, value): enough to assert on a silo's /metrics.</summary>
internal sealed partial class MetricsPage
{
    /// <summary>
    /// What `promtool check metrics` may say about series that are not ours (Orleans' and the .NET runtime's): their names and
    /// units are theirs to choose (docs/metrics.md). Anything else fails the lint test.
    /// </summary>
    public static readonly string[] ForeignLintAccepted = ["orleans_", "dotnet_", "process_", "aspnetcore_", "kestrel_", "target_info"];

    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples;

    private MetricsPage(List<(string, Dictionary<string, string>, double)> samples) => _samples = samples;

    public IEnumerable<string> Names => _samples.Select(s => s.Name).Distinct(StringComparer.Ordinal);

    public static MetricsPage Parse(string text)
    {
        var samples = new List<(string, Dictionary<string, string>, double)>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var m = Sample().Match(line);
            if (!m.Success) throw new FormatException($"not a sample line: {line}");
            var labels = Label().Matches(m.Groups["labels"].Value)
                .ToDictionary(l => l.Groups[1].Value, l => Regex.Unescape(l.Groups[2].Value), StringComparer.Ordinal);
            string value = m.Groups["value"].Value;
            samples.Add((m.Groups["name"].Value, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }
        return new MetricsPage(samples);
    }

    public IReadOnlyList<(Dictionary<string, string> Labels, double Value)> Samples(string name) =>
        [.. _samples.Where(s => s.Name == name).Select(s => (s.Labels, s.Value))];

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$")]
    private static partial Regex Sample();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex Label();
}
