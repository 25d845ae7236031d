using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace HyperBench.Observability.Tests;

/// <summary>
/// A real Prometheus server (Debian's `prometheus` package) on a free loopback port, scraping one target every second, with its
/// storage in a temporary folder. Tests query it through its HTTP API, as Grafana would.
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusProcess(Process process, DirectoryInfo folder, Uri api)
    {
        _process = process;
        _folder = folder;
        Api = api;
    }

    public Uri Api { get; }

    /// <summary>The binary: HYPERBENCH_PROMETHEUS, else prometheus on the PATH; null when absent.</summary>
    public static string? Binary() => Find("prometheus", "HYPERBENCH_PROMETHEUS");

    /// <summary>Skips the test when Prometheus is not installed, unless HYPERBENCH_REQUIRE_PROMETHEUS=1 (CI), which makes it a failure.</summary>
    public static string RequireBinary() => Require(Binary(), "Prometheus", "HYPERBENCH_PROMETHEUS");

    /// <summary>promtool, found as Prometheus is (HYPERBENCH_PROMTOOL, else the PATH), skipped or failed the same way.</summary>
    public static string RequirePromtool() => Require(Find("promtool", "HYPERBENCH_PROMTOOL"), "promtool", "HYPERBENCH_PROMTOOL");

    /// <summary>Runs promtool with <paramref name="arguments"/> (and <paramref name="stdin"/>); its exit code and output, bounded to 60 s.</summary>
    public static async Task<(int ExitCode, string Output)> PromtoolAsync(string promtool, IEnumerable<string> arguments, string? stdin,
        CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(promtool)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null) await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static string? Find(string name, string variable)
    {
        string? configured = Environment.GetEnvironmentVariable(variable);
        if (!string.IsNullOrEmpty(configured)) return File.Exists(configured) ? configured : null;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
    }

    private static string Require(string? binary, string name, string variable)
    {
        if (binary is not null) return binary;
        string why = $"{name} is not installed (apt-get install -y prometheus, or set {variable})";
        if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_PROMETHEUS") == "1") Assert.Fail(why + " and HYPERBENCH_REQUIRE_PROMETHEUS=1.");
        Assert.Skip(why + ".");
        return "";
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> every second and evaluating <paramref name="ruleFiles"/> every second.</summary>
    public static async Task<PrometheusProcess> StartAsync(string binary, string target, CancellationToken cancellationToken,
        IReadOnlyList<string>? ruleFiles = null)
    {
        var folder = Directory.CreateTempSubdirectory("hyperbench-prometheus-");
        string config = Path.Combine(folder.FullName, "prometheus.yml");
        string rules = ruleFiles is { Count: > 0 } ? "rule_files:\n" + string.Concat(ruleFiles.Select(f => $"  - \"{f}\"\n")) : "";
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            {rules}scrape_configs:
              - job_name: hyperbench-silo
                static_configs:
                  - targets: ["{target}"]
            """, cancellationToken);
        int port = FreePort();
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder.FullName,
        };
        foreach (var a in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder.FullName, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn" })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        // Drain its logs so a full pipe never blocks it.
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        _ = process.StandardError.ReadToEndAsync(cancellationToken);
        var prometheus = new PrometheusProcess(process, folder, new Uri($"http://127.0.0.1:{port}/"));
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var ready = await prometheus._http.GetAsync(new Uri(prometheus.Api, "-/ready"), cancellationToken);
                if (ready.IsSuccessStatusCode) return prometheus;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                await prometheus.DisposeAsync();
                throw new InvalidOperationException($"Prometheus did not become ready in 30 s (exited: {process.HasExited}).");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Runs an instant PromQL query; returns (labels, value) per series.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        var uri = new Uri(Api, "api/v1/query?query=" + Uri.EscapeDataString(promql));
        // A query Prometheus cannot parse or run answers 400/422 with a JSON error: surface it, naming the query.
        using var response = await _http.GetAsync(uri, cancellationToken);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        var root = doc.RootElement;
        if (root.GetProperty("status").GetString() != "success") throw new InvalidOperationException($"query '{promql}' failed: {root}");
        return root.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(r => (
                r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>GET of an API path (e.g. api/v1/rules), parsed; throws unless Prometheus answers "success".</summary>
    public async Task<JsonDocument> GetAsync(string path, CancellationToken cancellationToken)
    {
        var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(Api, path), cancellationToken));
        if (doc.RootElement.GetProperty("status").GetString() != "success")
        {
            string text = doc.RootElement.ToString();
            doc.Dispose();
            throw new InvalidOperationException($"{path} failed: {text}");
        }
        return doc;
    }

    /// <summary>Polls a query until <paramref name="done"/> holds for its result (scrapes come every second), at most <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> WaitForAsync(string promql,
        Func<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var result = await QueryAsync(promql, cancellationToken);
            if (done(result) || clock.Elapsed > timeout) return result;
            await Task.Delay(250, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        _process.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
