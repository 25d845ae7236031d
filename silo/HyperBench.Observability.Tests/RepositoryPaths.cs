namespace HyperBench.Observability.Tests;

/// <summary>Files of the repository the tests check (dashboards/, infra/, docker-compose.yml), found from the test binary upwards.</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "HyperBench.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no HyperBench.slnx above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Dashboards => Path.Combine(Root, "dashboards");

    public static string DataSourceProvisioning => Path.Combine(Root, "infra", "grafana", "provisioning", "datasources");

    /// <summary>Every dashboard JSON file, by file name.</summary>
    public static IReadOnlyList<string> DashboardFiles() =>
        [.. Directory.GetFiles(Dashboards, "*.json").OrderBy(f => f, StringComparer.Ordinal)];
}
