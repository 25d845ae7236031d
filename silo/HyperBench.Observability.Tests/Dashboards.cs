using System.Text.Json;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>
/// The Prometheus dashboards of dashboards/ as the tests see them: every panel target's PromQL and every query variable, with Grafana's
/// variables expanded to concrete values: a template variable to its "All" value (.*), $__rate_interval to 1m, $__interval to 15s,
/// $__range to 5m.
/// </summary>
internal static partial class Dashboards
{
    public static readonly IReadOnlyDictionary<string, string> GrafanaVariables = new Dictionary<string, string>
    {
        ["__rate_interval"] = "1m",
        ["__interval"] = "15s",
        ["__range"] = "5m",
    };

    /// <summary>(panel title, expanded PromQL) of every target of every panel (rows' panels included).</summary>
    public static IReadOnlyList<(string Panel, string Expr)> Expressions(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestSilo.RepoPath("dashboards", file)));
        var values = Values(doc.RootElement);
        var found = new List<(string, string)>();
        foreach (var panel in Panels(doc.RootElement))
        {
            if (!panel.TryGetProperty("targets", out var targets)) continue;
            string title = panel.GetProperty("title").GetString()!;
            foreach (var target in targets.EnumerateArray())
                if (target.TryGetProperty("expr", out var expr)) found.Add((title, Expand(expr.GetString()!, values)));
        }
        return found;
    }

    /// <summary>(variable, series selector, label) of every label_values(selector, label) variable, the selector expanded.</summary>
    public static IReadOnlyList<(string Variable, string Selector, string Label)> LabelValueVariables(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestSilo.RepoPath("dashboards", file)));
        var values = Values(doc.RootElement);
        var found = new List<(string, string, string)>();
        foreach (var v in doc.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (v.GetProperty("type").GetString() != "query") continue;
            string query = v.GetProperty("query").ValueKind == JsonValueKind.String
                ? v.GetProperty("query").GetString()!
                : v.GetProperty("query").GetProperty("query").GetString()!;
            var m = LabelValues().Match(query);
            if (!m.Success) throw new InvalidOperationException($"{file}: variable {v.GetProperty("name")} is not label_values(selector, label): {query}");
            found.Add((v.GetProperty("name").GetString()!, Expand(m.Groups[1].Value, values), m.Groups[2].Value));
        }
        return found;
    }

    private static IEnumerable<JsonElement> Panels(JsonElement container)
    {
        if (!container.TryGetProperty("panels", out var panels)) yield break;
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            foreach (var inner in Panels(panel)) yield return inner;
        }
    }

    /// <summary>Each template variable's "All" value (allValue, else .*), and Grafana's own variables.</summary>
    private static Dictionary<string, string> Values(JsonElement dashboard)
    {
        var values = new Dictionary<string, string>(GrafanaVariables);
        foreach (var v in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (v.GetProperty("type").GetString() == "datasource") continue;
            values[v.GetProperty("name").GetString()!] = v.TryGetProperty("allValue", out var all) && all.GetString() is { Length: > 0 } a ? a : ".*";
        }
        return values;
    }

    private static string Expand(string expr, Dictionary<string, string> values)
    {
        string expanded = Variable().Replace(expr, m =>
        {
            string name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return values.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"'{expr}' uses ${name}, which is not defined");
        });
        return expanded;
    }

    [GeneratedRegex(@"\$\{(?<braced>\w+)(:\w+)?\}|\$(?<plain>\w+)")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^\s*label_values\((.*),\s*(\w+)\)\s*$")]
    private static partial Regex LabelValues();
}
