using System.Diagnostics;

namespace HyperBench.Observability.Tests;

/// <summary>
/// docker-compose.yml validated offline by Debian's docker-compose 1.29.2 (<c>config -q</c>: schema, profiles, device
/// reservations, interpolation), with the variables of .env.example, as after <c>cp .env.example .env</c>. Without the binary
/// the tests skip with the reason, or fail when HYPERBENCH_REQUIRE_COMPOSE=1 (CI).
/// </summary>
public sealed class ComposeConfigTests
{
    private static readonly string[] ComposeVariables =
        ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "GRAFANA_ADMIN_USER", "GRAFANA_ADMIN_PASSWORD", "GIT_COMMIT"];

    [Fact]
    public async Task Compose_WithEnvExample_IsValid()
    {
        string binary = RequireBinary();
        var (code, output) = await ComposeAsync(binary, ["--env-file", Path.Combine(RepositoryPaths.Root, ".env.example"), "config", "-q"]);
        Assert.True(code == 0, $"docker-compose config -q exited {code}:\n{output}");
    }

    [Fact]
    public async Task Compose_EveryProfile_HasItsServices()
    {
        string binary = RequireBinary();
        string envFile = Path.Combine(RepositoryPaths.Root, ".env.example");
        var (code, output) = await ComposeAsync(binary, ["--env-file", envFile, "--profile", "gpu", "--profile", "cpu", "--profile", "cli", "config", "--services"]);
        Assert.True(code == 0, output);
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["cli", "dcgm-exporter", "grafana", "postgres", "prometheus", "silo-cpu", "silo-gpu0", "silo-gpu1"], services);

        // Two GPU silos never share a GPU: each reserves its own device id.
        (code, output) = await ComposeAsync(binary, ["--env-file", envFile, "--profile", "gpu", "config"]);
        Assert.True(code == 0, output);
        Assert.Contains("device_ids:\n            - '0'", output, StringComparison.Ordinal);
        Assert.Contains("device_ids:\n            - '1'", output, StringComparison.Ordinal);
        Assert.Contains("HYPERBENCH__METRICSPORT: '9464'", output, StringComparison.Ordinal);
        Assert.Contains("HYPERBENCH__METRICSADDRESS: 0.0.0.0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_WithoutPassword_RefusesNamingIt()
    {
        string binary = RequireBinary();
        var folder = Directory.CreateTempSubdirectory("hyperbench-compose-");
        try
        {
            string empty = Path.Combine(folder.FullName, "empty.env");
            await File.WriteAllTextAsync(empty, "", TestContext.Current.CancellationToken);
            var (code, output) = await ComposeAsync(binary, ["--env-file", empty, "config", "-q"]);
            Assert.NotEqual(0, code);
            Assert.Contains("set POSTGRES_PASSWORD in .env", output, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Compose_EverySiloAndTheDcgmExporter_AreScrapedByPrometheus()
    {
        // No binary needed: the service names of docker-compose.yml against the targets of infra/prometheus/prometheus.yml, so
        // that a silo added to one (a third GPU) is not forgotten in the other.
        string prometheus = Path.Combine(RepositoryPaths.Root, "infra", "prometheus", "prometheus.yml");
        string compose = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docker-compose.yml"));
        string targets = File.ReadAllText(prometheus);
        var silos = System.Text.RegularExpressions.Regex.Matches(compose, @"^  (silo-[\w-]+):\s*$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["silo-gpu0", "silo-gpu1", "silo-cpu"], silos);
        var port = System.Text.RegularExpressions.Regex.Match(compose, @"HYPERBENCH__METRICSPORT:\s*""?(\d+)");
        Assert.True(port.Success, "docker-compose.yml sets no HYPERBENCH__METRICSPORT");
        foreach (var silo in silos) Assert.Contains($"{silo}:{port.Groups[1].Value}", targets, StringComparison.Ordinal);
        Assert.Contains("dcgm-exporter:9400", targets, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Root, "infra", "dcgm", "counters.csv")), "docker-compose.yml mounts infra/dcgm/counters.csv, which is missing");
    }

    /// <summary>docker-compose on the PATH (or HYPERBENCH_DOCKER_COMPOSE); skips, or fails when HYPERBENCH_REQUIRE_COMPOSE=1.</summary>
    private static string RequireBinary()
    {
        string? configured = Environment.GetEnvironmentVariable("HYPERBENCH_DOCKER_COMPOSE");
        string? binary = !string.IsNullOrEmpty(configured)
            ? (File.Exists(configured) ? configured : null)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "docker-compose")).FirstOrDefault(File.Exists);
        if (binary is not null) return binary;
        const string why = "docker-compose is not installed (apt-get install -y docker-compose, or set HYPERBENCH_DOCKER_COMPOSE)";
        if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_COMPOSE") == "1") Assert.Fail(why + " and HYPERBENCH_REQUIRE_COMPOSE=1.");
        Assert.Skip(why + ".");
        return "";
    }

    private static async Task<(int Code, string Output)> ComposeAsync(string binary, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(binary)
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-f");
        info.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "docker-compose.yml"));
        foreach (var a in arguments) info.ArgumentList.Add(a);
        // Only the env file speaks: a variable of the test's own environment would override it.
        foreach (var name in ComposeVariables) info.Environment.Remove(name);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {binary}");
        var ct = TestContext.Current.CancellationToken;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"docker-compose {string.Join(' ', arguments)} did not finish in 60 s");
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
