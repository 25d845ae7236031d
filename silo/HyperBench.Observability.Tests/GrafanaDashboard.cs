using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>What Grafana runs: a panel's target, a template variable's query or an annotation's query.</summary>
/// <param name="Where">e.g. <c>panel 4 "Speed-up" target A</c>, for messages.</param>
/// <param name="DataSourceType">The plugin id the query is for (the panel's, variable's or annotation's data source type).</param>
/// <param name="Enabled">False for an annotation switched off (<c>enable: false</c>).</param>
internal sealed record DashboardQuery(string Where, string DataSourceType, string Text, bool Enabled);

/// <summary>A template variable: its name, type, whether it takes several values and its query (query variables).</summary>
internal sealed record DashboardVariable(string Name, string Type, bool Multi, bool IncludeAll, string? Query, string? DataSourceType);

/// <summary>
/// A Grafana dashboard JSON file read the way Grafana reads it: panels (rows' nested panels included), their targets, the
/// templating list and the annotation list.
/// </summary>
internal sealed partial class GrafanaDashboard
{
    /// <summary>Plugin ids of SQL data sources: PostgreSQL's since Grafana 10.x, and its older id.</summary>
    public static readonly IReadOnlySet<string> PostgresTypes = new HashSet<string>(StringComparer.Ordinal) { "grafana-postgresql-datasource", "postgres" };

    private GrafanaDashboard(string file, JsonObject root)
    {
        File = file;
        Root = root;
    }

    public string File { get; }

    public string Name => Path.GetFileName(File);

    public JsonObject Root { get; }

    /// <summary>Throws <see cref="System.Text.Json.JsonException"/> (or <see cref="InvalidDataException"/>) for invalid JSON or a non-object.</summary>
    public static GrafanaDashboard Load(string file) =>
        new(file, JsonNode.Parse(System.IO.File.ReadAllText(file)) as JsonObject ?? throw new InvalidDataException($"{file}: not a JSON object"));

    public static IReadOnlyList<GrafanaDashboard> LoadAll() => [.. RepositoryPaths.DashboardFiles().Select(Load)];

    /// <summary>Every panel, with the panels inside rows (collapsed rows keep theirs in <c>panels</c>).</summary>
    public IEnumerable<JsonObject> Panels()
    {
        static IEnumerable<JsonObject> Walk(JsonArray? panels)
        {
            foreach (var panel in panels?.OfType<JsonObject>() ?? [])
            {
                yield return panel;
                foreach (var inner in Walk(panel["panels"] as JsonArray)) yield return inner;
            }
        }
        return Walk(Root["panels"] as JsonArray);
    }

    public IReadOnlyList<DashboardVariable> Variables() =>
        [.. (Root["templating"]?["list"] as JsonArray ?? []).OfType<JsonObject>().Select(v => new DashboardVariable(
            (string?)v["name"] ?? "", (string?)v["type"] ?? "", (bool?)v["multi"] ?? false, (bool?)v["includeAll"] ?? false,
            QueryText(v["query"]), (string?)v["datasource"]?["type"]))];

    /// <summary>Every query: panel targets, query variables, annotations (built-in Grafana annotations excluded).</summary>
    public IEnumerable<DashboardQuery> Queries()
    {
        foreach (var panel in Panels())
        {
            string panelType = (string?)panel["datasource"]?["type"] ?? "";
            foreach (var target in (panel["targets"] as JsonArray ?? []).OfType<JsonObject>())
            {
                string type = (string?)target["datasource"]?["type"] ?? panelType;
                string? text = (string?)target["rawSql"] ?? (string?)target["expr"];
                if (text is not null) yield return new($"panel {panel["id"]} \"{panel["title"]}\" target {target["refId"]}", type, text, true);
            }
        }
        foreach (var v in Variables().Where(v => v.Type == "query" && v.Query is not null))
            yield return new($"variable ${v.Name}", v.DataSourceType ?? "", v.Query!, true);
        foreach (var a in (Root["annotations"]?["list"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if ((string?)a["datasource"]?["type"] == "grafana") continue;
            var target = a["target"] as JsonObject;
            string? text = (string?)target?["rawSql"] ?? (string?)target?["expr"] ?? (string?)a["rawQuery"] ?? (string?)a["expr"];
            if (text is not null)
                yield return new($"annotation \"{a["name"]}\"", (string?)a["datasource"]?["type"] ?? "", text, (bool?)a["enable"] ?? true);
        }
    }

    /// <summary>Names of the variables a query uses: <c>$name</c>, <c>${name}</c>, <c>${name:format}</c>, <c>[[name]]</c>.</summary>
    public static IEnumerable<string> VariablesUsed(string query) =>
        VariableReference().Matches(query)
            .Select(m => m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Success ? m.Groups["plain"].Value : m.Groups["old"].Value)
            // "$1" in a PromQL label_replace is a regular-expression group, not a variable.
            .Where(name => !name.All(char.IsAsciiDigit))
            .Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"\$\{(?<braced>\w+)(?::\w+)?\}|\$(?<plain>\w+)|\[\[(?<old>\w+)\]\]")]
    internal static partial Regex VariableReference();

    private static string? QueryText(JsonNode? query) => query switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonObject obj => (string?)obj["rawSql"] ?? (string?)obj["query"] ?? (string?)obj["expr"],
        _ => null,
    };
}
