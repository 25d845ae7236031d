using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HyperBench.Observability.Tests;

/// <summary>
/// The images of infra/docker cannot be built here (no Docker daemon), so what can drift is checked from the files: the restore
/// layer copies the project file of every project the published one references (directly or not), the sources and every
/// file a project pulls from outside its folder (infra/sql's migrations) are copied, and .dockerignore lets them through.
/// </summary>
public sealed partial class DockerImageTests
{
    public static TheoryData<string> Dockerfiles() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "infra", "docker"), "*.Dockerfile").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_CopiesEveryProjectItBuilds(string file)
    {
        string text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "infra", "docker", file));
        // Sources of the COPY lines from the build context (not those of --from=another stage).
        var copied = text.Split('\n').Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(t => t.Length >= 3 && t[0] == "COPY" && !t[1].StartsWith("--", StringComparison.Ordinal))
            .SelectMany(t => t[1..^1]).Select(s => s.TrimEnd('/')).ToList();
        string published = Assert.Single(Publish().Matches(text)).Groups[1].Value;
        Assert.Contains(Restore().Matches(text), m => m.Groups[1].Value == published);

        var problems = new List<string>();
        // The build settings every project inherits: the SDK version, warnings as errors, central package versions.
        foreach (var shared in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props" })
            if (!copied.Contains(shared, StringComparer.Ordinal)) problems.Add($"{shared} is not copied before dotnet restore");
        foreach (var project in Closure(published))
        {
            if (!copied.Contains(project, StringComparer.Ordinal))
                problems.Add($"{project} is referenced by {published} but its project file is not copied before dotnet restore");
            string folder = Path.GetDirectoryName(project)!.Replace('\\', '/');
            if (!copied.Any(c => IsUnder(folder, c))) problems.Add($"the sources of {folder} are not copied");
            foreach (var outside in OutsideItems(project))
                if (!copied.Any(c => IsUnder(outside, c))) problems.Add($"{project} includes {outside}, which is not copied");
        }
        Assert.True(problems.Count == 0, $"{file}:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void DockerIgnore_KeepsSourcesAndMigrationsAndDropsSecrets()
    {
        var patterns = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, ".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(".env", patterns);
        Assert.Contains(".git/", patterns);
        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
        foreach (var needed in new[] { "infra", "infra/sql", "silo", "kernels", "client" })
            Assert.DoesNotContain(patterns, p => p.TrimEnd('/') == needed);
    }

    /// <summary>Repository-relative paths of the project and every project it references, transitively.</summary>
    private static List<string> Closure(string project)
    {
        var seen = new List<string>();
        var queue = new Queue<string>([project]);
        while (queue.Count > 0)
        {
            string next = queue.Dequeue();
            if (seen.Contains(next, StringComparer.Ordinal)) continue;
            seen.Add(next);
            foreach (var reference in Items(next, "ProjectReference")) queue.Enqueue(reference);
        }
        return seen;
    }

    /// <summary>Folders outside the project's own that its EmbeddedResource, Content, None or Compile items include.</summary>
    private static IEnumerable<string> OutsideItems(string project)
    {
        string folder = Path.GetDirectoryName(project)!.Replace('\\', '/');
        return new[] { "EmbeddedResource", "Content", "None", "Compile" }
            .SelectMany(kind => Items(project, kind))
            .Select(path => Path.GetDirectoryName(path)!.Replace('\\', '/'))
            .Where(dir => !IsUnder(dir, folder))
            .Distinct(StringComparer.Ordinal);
    }

    /// <summary>The Include paths of the items of one kind, repository-relative.</summary>
    private static IEnumerable<string> Items(string project, string kind)
    {
        string full = Path.Combine(RepositoryPaths.Root, project);
        string dir = Path.GetDirectoryName(full)!;
        return XDocument.Load(full).Descendants(kind)
            .Select(e => (string?)e.Attribute("Include"))
            .Where(i => i is not null)
            .Select(i => Path.GetRelativePath(RepositoryPaths.Root, Path.GetFullPath(Path.Combine(dir, i!.Replace('\\', '/')))).Replace('\\', '/'));
    }

    private static bool IsUnder(string path, string folder) =>
        path == folder || path.StartsWith(folder + "/", StringComparison.Ordinal);

    [GeneratedRegex(@"dotnet publish\s+(\S+\.csproj)")]
    private static partial Regex Publish();

    [GeneratedRegex(@"dotnet restore\s+(\S+\.csproj)")]
    private static partial Regex Restore();
}
