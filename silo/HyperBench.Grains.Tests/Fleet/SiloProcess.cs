using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using HyperBench.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// A real HyperBench.Silo process on loopback ports of its own, configured through HYPERBENCH__* variables as an operator would,
/// with its output captured. Kill it (SIGKILL, no goodbye), signal it (SIGTERM) or dispose it (killed if still running).
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly ConcurrentQueue<TaskCompletionSource> _lineWaiters = new();

    private SiloProcess(Process process, string name, int siloPort, int gatewayPort, int metricsPort)
    {
        _process = process;
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        MetricsPort = metricsPort;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int MetricsPort { get; }

    /// <summary>The silo's endpoint as device keys and membership spell it ("127.0.0.1:PORT").</summary>
    public string Endpoint => "127.0.0.1:" + SiloPort.ToString(CultureInfo.InvariantCulture);

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The first of these silos that exited, with its exit code and log; null while all run (a reason for <see cref="Poll"/> to stop).</summary>
    public static string? Exited(IEnumerable<SiloProcess> silos) =>
        silos.FirstOrDefault(s => s.HasExited) is { } exited ? $"silo {exited.Name} exited ({exited.ExitCode})\n{exited.Log}" : null;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr, interleaved as received).</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>
    /// Starts a silo. <paramref name="settings"/> are HyperBench keys without the section ("Db", "Devices", ...), given to the process
    /// as HYPERBENCH__KEY variables over these defaults: loopback ports of its own, AdvertisedIp 127.0.0.1, Devices cpu, idle poll 50 ms.
    /// For an adonet cluster pass Clustering=adonet and ClusteringConnectionString.
    /// </summary>
    public static SiloProcess Start(string name, IReadOnlyDictionary<string, string> settings, string? workingDirectory = null)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo");
        var psi = new ProcessStartInfo(File.Exists(exe) ? exe : "dotnet")
        {
            WorkingDirectory = workingDirectory ?? Directory.CreateTempSubdirectory("hyperbench-silo-").FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!File.Exists(exe)) psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo.dll"));
        int[] ports = LoopbackPorts.Free(3);
        var env = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["MetricsPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["MetricsAddress"] = "127.0.0.1",
            ["AdvertisedIp"] = "127.0.0.1",
            ["Devices"] = "cpu",
            ["IdlePollMilliseconds"] = "50",
        };
        foreach (var (key, value) in settings) env[key] = value;
        foreach (var (key, value) in env) psi.Environment["HYPERBENCH__" + key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()] = value;
        psi.Environment.Remove("ASPNETCORE_URLS");
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        return new SiloProcess(process, name, int.Parse(env["SiloPort"], CultureInfo.InvariantCulture),
            int.Parse(env["GatewayPort"], CultureInfo.InvariantCulture), int.Parse(env["MetricsPort"], CultureInfo.InvariantCulture));
    }

    /// <summary>Waits until a line of the output contains <paramref name="text"/>, or the process exits, or the bound passes.</summary>
    /// <exception cref="TimeoutException">Not seen in time (the message has the log).</exception>
    public async Task WaitForLogAsync(string text, TimeSpan bound, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!Log.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited) throw new InvalidOperationException($"silo {Name} exited ({ExitCode}) before writing '{text}':\n{Log}");
            if (clock.Elapsed > bound) throw new TimeoutException($"silo {Name} did not write '{text}' in {bound.TotalSeconds:F0} s:\n{Log}");
            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _lineWaiters.Enqueue(waiter);
            await Task.WhenAny(waiter.Task, Task.Delay(200, cancellationToken));
        }
    }

    /// <summary>SIGKILL: the process ends at once, holding whatever it held.</summary>
    public async Task KillAsync()
    {
        if (HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, then waits for the exit (a graceful stop hands running leases back).</summary>
    public async Task TerminateAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        if (HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// A cluster client of an adonet cluster (the membership table in <paramref name="clusteringConnectionString"/>), retried until a
    /// silo is up. <paramref name="settings"/> add or override HyperBench keys (ServiceId, ClusterId, TLS ...).
    /// </summary>
    public static async Task<IHost> ConnectAdoNetClientAsync(string clusteringConnectionString, TimeSpan bound, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["HyperBench:Clustering"] = "adonet",
            ["HyperBench:ClusteringConnectionString"] = clusteringConnectionString,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) values["HyperBench:" + key] = value;
        return await ConnectAsync(values, bound, cancellationToken);
    }

    /// <summary>A cluster client on this silo's gateway (localhost clustering), retried until the silo is up.</summary>
    public Task<IHost> ConnectGatewayClientAsync(TimeSpan bound, CancellationToken cancellationToken) =>
        ConnectAsync(new Dictionary<string, string?> { ["HyperBench:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture) }, bound,
            cancellationToken, this);

    private static async Task<IHost> ConnectAsync(Dictionary<string, string?> values, TimeSpan bound, CancellationToken cancellationToken, SiloProcess? silo = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(values);
            builder.AddHyperBenchClient();
            var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
                return host;
            }
            catch (Exception) when (clock.Elapsed < bound && silo is not { HasExited: true } && !cancellationToken.IsCancellationRequested)
            {
                host.Dispose();
                await Task.Delay(250, cancellationToken);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
        while (_lineWaiters.TryDequeue(out var waiter)) waiter.TrySetResult();
    }
}
