using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>
/// Every dashboard of dashboards/ (whoever wrote it) against the rules that let docker-compose.yml's Grafana load it unchanged:
/// valid JSON, no <c>__inputs</c> (an export for import, whose data-source placeholders provisioning never fills), a
/// <c>datasource</c> variable of type datasource, every panel bound to it, unique panel ids, every variable a query uses
/// defined, and every data-source uid provisioned in infra/grafana/provisioning/datasources.
/// </summary>
public sealed partial class DashboardLintTests
{
    /// <summary>Grafana's own variables and macros: global variables, Prometheus intervals and the SQL time macros.</summary>
    private static readonly HashSet<string> BuiltIns = new(StringComparer.Ordinal)
    {
        "__from", "__to", "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s", "__range_ms",
        "__dashboard", "__org", "__user", "__name", "__timeFilter", "__timeFrom", "__timeTo", "__time", "__timeEpoch", "__timeGroup",
        "__timeGroupAlias", "__unixEpochFilter", "__unixEpochFrom", "__unixEpochTo", "__unixEpochNanoFilter", "__unixEpochNanoFrom",
        "__unixEpochNanoTo", "__unixEpochGroup", "__unixEpochGroupAlias", "__schema", "__table", "__column",
    };

    /// <summary>A datasource variable's query is a plugin id: Prometheus or PostgreSQL (both ids of the latter).</summary>
    private static readonly HashSet<string> DataSourcePlugins = new(StringComparer.Ordinal) { "prometheus", "grafana-postgresql-datasource", "postgres" };

    public static TheoryData<string> Dashboards() => [.. RepositoryPaths.DashboardFiles().Select(f => Path.GetFileName(f))];

    [Fact]
    public void Dashboards_KernelsAndHistory_ArePresent()
    {
        // The SQL dashboards; the Prometheus ones (cluster.json, gpu.json) are linted by the theory below like any other file.
        var names = RepositoryPaths.DashboardFiles().Select(Path.GetFileName).ToArray();
        Assert.Contains("kernels.json", names);
        Assert.Contains("history.json", names);
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_FollowsTheProvisioningRules(string file)
    {
        var dashboard = GrafanaDashboard.Load(Path.Combine(RepositoryPaths.Dashboards, file));
        var problems = Problems(dashboard, ProvisionedDataSources()).ToList();
        Assert.True(problems.Count == 0, $"{file}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void Lint_BrokenDashboard_NamesEveryProblem()
    {
        // The checks can fail: a dashboard breaking each rule once.
        var folder = Directory.CreateTempSubdirectory("hyperbench-lint-");
        try
        {
            string file = Path.Combine(folder.FullName, "broken.json");
            File.WriteAllText(file, """
                {
                  "__inputs": [{ "name": "DS_PROM", "type": "datasource", "pluginId": "prometheus" }],
                  "uid": "broken", "title": "Broken",
                  "templating": { "list": [ { "name": "datasource", "type": "datasource", "query": "influxdb" } ] },
                  "panels": [
                    { "id": 1, "type": "timeseries", "title": "a", "datasource": { "type": "prometheus", "uid": "${DS_PROM}" },
                      "targets": [ { "refId": "A", "expr": "rate(x[$__rate_interval]) * $scale" } ] },
                    { "id": 1, "type": "stat", "title": "b", "datasource": { "type": "prometheus", "uid": "some-other-uid" },
                      "targets": [ { "refId": "A", "expr": "label_replace(up, \"a\", \"$1\", \"b\", \"(.*)\")" } ] }
                  ]
                }
                """);
            var problems = Problems(GrafanaDashboard.Load(file), ProvisionedDataSources()).ToList();
            string all = string.Join("\n", problems);
            Assert.Contains("__inputs", all, StringComparison.Ordinal);
            Assert.Contains("'influxdb'", all, StringComparison.Ordinal);
            Assert.Contains("panel id 1 is used 2 times", all, StringComparison.Ordinal);
            Assert.Contains("${DS_PROM}", all, StringComparison.Ordinal);
            Assert.Contains("'some-other-uid' is not provisioned", all, StringComparison.Ordinal);
            Assert.Contains("$scale", all, StringComparison.Ordinal);
            Assert.DoesNotContain("$1", all, StringComparison.Ordinal); // a regex group, not a variable
            Assert.DoesNotContain("__rate_interval", all, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Provisioning_DataSources_HaveTheFixedUidsAndNoPassword()
    {
        var sources = ProvisionedDataSources();
        Assert.Equal("prometheus", sources["hyperbench-prometheus"]);
        Assert.Contains(sources["hyperbench-postgres"], GrafanaDashboard.PostgresTypes);
        foreach (var file in Directory.GetFiles(RepositoryPaths.DataSourceProvisioning, "*.y*ml"))
            foreach (var line in File.ReadLines(file).Where(l => PasswordLine().IsMatch(l)))
                Assert.Matches(@"password:\s*\$\{?\w+\}?\s*$|password:\s*\$__(env|file)\{[^}]+\}\s*$", line.Trim());
    }

    /// <summary>uid -> plugin type, from infra/grafana/provisioning/datasources/*.yml (one list item per data source).</summary>
    internal static Dictionary<string, string> ProvisionedDataSources()
    {
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(RepositoryPaths.DataSourceProvisioning, "*.y*ml").Order(StringComparer.Ordinal))
        {
            // Items of "datasources:" start with "- name:"; uid and type are keys of the same item.
            foreach (var item in ListItem().Split(File.ReadAllText(file)).Skip(1))
            {
                string? uid = Key(item, "uid"), type = Key(item, "type");
                if (uid is not null && type is not null) sources[uid] = type;
            }
        }
        return sources;
    }

    internal static IEnumerable<string> Problems(GrafanaDashboard dashboard, IReadOnlyDictionary<string, string> provisioned)
    {
        var root = dashboard.Root;
        if (root.ContainsKey("__inputs"))
            yield return "has __inputs (an export for import): provisioning needs the fixed uids through the datasource variable instead";
        if (string.IsNullOrWhiteSpace((string?)root["uid"])) yield return "has no uid (links between dashboards use it)";
        if (string.IsNullOrWhiteSpace((string?)root["title"])) yield return "has no title";
        if (root["panels"] is not JsonArray) yield return "has no panels array";

        var variables = dashboard.Variables();
        var dataSourceVariables = variables.Where(v => v.Type == "datasource").ToList();
        var templating = (root["templating"]?["list"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (!dataSourceVariables.Any(v => v.Name == "datasource"))
            yield return "has no template variable named 'datasource' of type datasource";
        foreach (var v in templating.Where(v => (string?)v["type"] == "datasource"))
        {
            string plugin = (string?)v["query"] ?? "";
            if (!DataSourcePlugins.Contains(plugin))
                yield return $"datasource variable ${v["name"]}: query '{plugin}' is not one of {string.Join(", ", DataSourcePlugins)}";
            else if (!provisioned.Values.Any(t => SameType(t, plugin)))
                yield return $"datasource variable ${v["name"]}: no provisioned data source is of type '{plugin}'";
            if ((string?)v["current"]?["value"] is { Length: > 0 } current && !current.StartsWith('$') && !provisioned.ContainsKey(current))
                yield return $"datasource variable ${v["name"]}: current uid '{current}' is not provisioned ({string.Join(", ", provisioned.Keys)})";
        }
        foreach (var duplicate in variables.GroupBy(v => v.Name).Where(g => g.Count() > 1))
            yield return $"variable ${duplicate.Key} is defined {duplicate.Count()} times";

        var refs = dataSourceVariables.SelectMany(v => new[] { "${" + v.Name + "}", "$" + v.Name }).ToHashSet(StringComparer.Ordinal);
        var panels = dashboard.Panels().ToList();
        foreach (var duplicate in panels.GroupBy(p => (int?)p["id"]).Where(g => g.Count() > 1))
            yield return $"panel id {duplicate.Key} is used {duplicate.Count()} times";
        foreach (var panel in panels)
        {
            string name = $"panel {panel["id"]} \"{panel["title"]}\"";
            if (panel["id"] is null) yield return $"{name} has no id";
            if ((string?)panel["type"] is "row" or "text") continue;
            if (panel["datasource"] is not JsonObject ds)
            {
                yield return $"{name} has no datasource object {{\"type\": ..., \"uid\": \"${{datasource}}\"}}";
                continue;
            }
            foreach (var problem in DataSourceProblems(name, ds, refs, provisioned, templating)) yield return problem;
            foreach (var target in (panel["targets"] as JsonArray ?? []).OfType<JsonObject>())
                if (target["datasource"] is JsonObject tds && (string?)tds["uid"] != (string?)ds["uid"] && (string?)tds["type"] != "__expr__")
                    foreach (var problem in DataSourceProblems($"{name} target {target["refId"]}", tds, refs, provisioned, templating))
                        yield return problem;
        }
        foreach (var annotation in (root["annotations"]?["list"] as JsonArray ?? []).OfType<JsonObject>())
            if (annotation["datasource"] is JsonObject ads && (string?)ads["type"] != "grafana")
                foreach (var problem in DataSourceProblems($"annotation \"{annotation["name"]}\"", ads, refs, provisioned, templating))
                    yield return problem;

        var defined = variables.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var query in dashboard.Queries())
            foreach (var used in GrafanaDashboard.VariablesUsed(query.Text).Where(u => !defined.Contains(u) && !BuiltIns.Contains(u)))
                yield return $"{query.Where} uses ${used}, which is neither a template variable nor a Grafana built-in";
    }

    private static IEnumerable<string> DataSourceProblems(string where, JsonObject ds, IReadOnlySet<string> refs,
        IReadOnlyDictionary<string, string> provisioned, List<JsonObject> templating)
    {
        string uid = (string?)ds["uid"] ?? "";
        string type = (string?)ds["type"] ?? "";
        if (uid.StartsWith('$'))
        {
            if (!refs.Contains(uid))
            {
                yield return $"{where}: data source uid '{uid}' is not a datasource variable ({string.Join(", ", refs)})";
                yield break;
            }
            // The variable's plugin and the panel's type must agree, or Grafana opens the panel with the wrong query editor.
            string name = uid.Trim('$', '{', '}');
            string plugin = (string?)templating.First(v => (string?)v["name"] == name)["query"] ?? "";
            if (!SameType(type, plugin)) yield return $"{where}: type '{type}' but ${name} picks '{plugin}' data sources";
        }
        else if (!provisioned.TryGetValue(uid, out var provisionedType))
        {
            yield return $"{where}: data source uid '{uid}' is not provisioned ({string.Join(", ", provisioned.Keys)}); use \"${{datasource}}\"";
        }
        else if (!SameType(type, provisionedType))
        {
            yield return $"{where}: type '{type}' but the provisioned '{uid}' is '{provisionedType}'";
        }
    }

    private static bool SameType(string a, string b) =>
        a == b || (GrafanaDashboard.PostgresTypes.Contains(a) && GrafanaDashboard.PostgresTypes.Contains(b));

    private static string? Key(string item, string key)
    {
        var m = Regex.Match(item, $@"^\s*{key}:\s*[""']?(?<v>[^""'#\s]+)", RegexOptions.Multiline);
        return m.Success ? m.Groups["v"].Value : null;
    }

    [GeneratedRegex(@"^\s*-\s+(?=name:)", RegexOptions.Multiline)]
    private static partial Regex ListItem();

    [GeneratedRegex(@"^\s*password:", RegexOptions.Multiline)]
    private static partial Regex PasswordLine();
}
