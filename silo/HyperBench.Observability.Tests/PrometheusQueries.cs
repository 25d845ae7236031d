using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>
/// The PromQL of a Prometheus dashboard (read by <see cref="GrafanaDashboard"/>) as Prometheus' API must take it: Grafana's variables
/// expanded to concrete values, a template variable to its "All" value (allValue, else .*), $__rate_interval to 1m, $__interval to
/// 15s, $__range to 5m.
/// </summary>
internal static partial class PrometheusQueries
{
    public static readonly IReadOnlyDictionary<string, string> GrafanaVariables = new Dictionary<string, string>
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
        ["__range"] = "5m",
    };

    /// <summary>(where, expanded PromQL) of every Prometheus target of every panel (rows' panels included).</summary>
    public static IReadOnlyList<(string Where, string Expr)> Panels(string file)
    {
        var dashboard = Load(file);
        var values = Values(dashboard);
        return [.. dashboard.Queries()
            .Where(q => q.DataSourceType == "prometheus" && q.Where.StartsWith("panel ", StringComparison.Ordinal))
            .Select(q => (q.Where, Expand(q.Text, values)))];
    }

    /// <summary>(variable, series selector, label) of every label_values(selector, label) query variable, the selector expanded.</summary>
    public static IReadOnlyList<(string Variable, string Selector, string Label)> LabelValueVariables(string file)
    {
        var dashboard = Load(file);
        var values = Values(dashboard);
        var found = new List<(string, string, string)>();
        foreach (var v in dashboard.Variables().Where(v => v.Type == "query"))
        {
            var m = LabelValues().Match(v.Query ?? "");
            if (!m.Success) throw new InvalidOperationException($"{file}: variable ${v.Name} is not label_values(selector, label): {v.Query}");
            found.Add((v.Name, Expand(m.Groups[1].Value, values), m.Groups[2].Value));
        }
        return found;
    }

    private static GrafanaDashboard Load(string file) => GrafanaDashboard.Load(Path.Combine(RepositoryPaths.Dashboards, file));

    private static Dictionary<string, string> Values(GrafanaDashboard dashboard)
    {
        var values = new Dictionary<string, string>(GrafanaVariables);
        foreach (var v in (dashboard.Root["templating"]?["list"] as JsonArray ?? []).OfType<JsonObject>())
            if ((string?)v["type"] != "datasource")
                values[(string?)v["name"] ?? ""] = (string?)v["allValue"] is { Length: > 0 } all ? all : ".*";
        return values;
    }

    private static string Expand(string expr, Dictionary<string, string> values) =>
        GrafanaDashboard.VariableReference().Replace(expr, m =>
        {
            string name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Success ? m.Groups["plain"].Value : m.Groups["old"].Value;
            return values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"'{expr}' uses ${name}, which is not defined");
        });

    [GeneratedRegex(@"^\s*label_values\((.*),\s*(\w+)\)\s*$")]
    private static partial Regex LabelValues();
}
