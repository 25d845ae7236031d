using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Contracts;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperBench.Hosting;

/// <summary>
/// A whole HyperBench cluster in this process (one silo, its devices, its store), for the CLI's default mode. Submit and poll
/// sweeps through <see cref="GrainFactory"/> exactly as against a real cluster; results are in <see cref="Store"/>.
/// </summary>
/// <example>
/// <code>
/// var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary&lt;string, string?&gt; { ["HyperBench:Db"] = "results.db" }).Build();
/// await using var cluster = await EmbeddedCluster.StartAsync(settings, cancellationToken: ct);
/// string id = EmbeddedCluster.NewSweepId();
/// await cluster.Sweep(id).StartAsync(plan);
/// var status = await cluster.WaitAsync(id, new Progress&lt;SweepStatusView&gt;(Show), cancellationToken: ct);
/// var rows = await cluster.Store.GetResultsAsync(id, ct);
/// </code>
/// </example>
public sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;

    private EmbeddedCluster(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
        Store = host.Services.GetRequiredService<ISweepStore>();
    }

    public IClusterClient Client { get; }

    public IGrainFactory GrainFactory => Client;

    public ISweepStore Store { get; }

    public IServiceProvider Services => _host.Services;

    /// <param name="settings">
    /// The section "HyperBench" as the caller bound it (the CLI: appsettings.json, HYPERBENCH__* and its own options), read through
    /// the same <see cref="HyperBenchSettings"/> as a standalone silo. Clustering and ports are this silo's own: one silo on
    /// loopback, on free ports, whatever the settings say for a cluster silo.
    /// </param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid (the message names it).</exception>
    public static async Task<EmbeddedCluster> StartAsync(IConfiguration settings, EmbeddedClusterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new EmbeddedClusterOptions();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "hyperbench-embedded",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        const string s = HyperBenchSettings.Section + ":";
        // Under the caller's settings: a sweep waits on this silo's only worker, so an idle worker asks again sooner than a cluster's.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [s + nameof(DeviceWorkerOptions.IdlePollMilliseconds)] = "50",
        });
        builder.Configuration.AddConfiguration(settings);
        // Over them: the settings of a cluster silo (another silo's ports, an address to join) must not reach this one.
        int[] ports = FreePorts(options.GatewayPort > 0 ? options.GatewayPort : 0);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [s + nameof(HyperBenchSiloOptions.Clustering)] = "localhost",
            [s + nameof(HyperBenchSiloOptions.SiloPort)] = ports[0].ToString(CultureInfo.InvariantCulture),
            [s + nameof(HyperBenchSiloOptions.GatewayPort)] = (options.GatewayPort > 0 ? options.GatewayPort : ports[1]).ToString(CultureInfo.InvariantCulture),
            [s + nameof(HyperBenchSiloOptions.PrimarySiloEndpoint)] = "",
            [s + nameof(HyperBenchSiloOptions.AdvertisedIp)] = "",
            [s + nameof(HyperBenchSiloOptions.ListenAddress)] = "",
            // Loopback, and its only client is in this process: the cluster's TLS settings (for the CLI's remote mode) are not its.
            [s + nameof(HyperBenchSiloOptions.Tls) + ":" + nameof(HyperBenchTlsOptions.CertificatePath)] = "",
        });
        options.ConfigureLogging?.Invoke(builder.Logging);

        builder.AddHyperBenchStorage();
        builder.AddHyperBenchOrleans();
        builder.AddHyperBenchDeviceWorkers();
        // One process, one sweep: without this an in-process silo would also run the cases of any other sweep running on the same
        // database (another process's), and that process's would run ours.
        if (options.Sweeps is { } sweeps) builder.Services.AddSingleton(new DeviceWorkerScope([.. sweeps]));
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();

        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new EmbeddedCluster(host);
    }

    /// <summary>A sortable, unique sweep id: UTC time then random digits.</summary>
    public static string NewSweepId() =>
        string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");

    public ISweepGrain Sweep(string sweepId) => Client.GetGrain<ISweepGrain>(sweepId);

    /// <summary>The cluster's devices (this silo's, here).</summary>
    public async Task<IReadOnlyList<DeviceView>> DevicesAsync() => await Client.GetGrain<IDeviceRegistryGrain>(0).ListAsync();

    /// <summary>Polls the sweep until it has finished (completed or cancelled), reporting each status.</summary>
    public async Task<SweepStatusView> WaitAsync(string sweepId, IProgress<SweepStatusView>? progress = null, TimeSpan? pollInterval = null,
        CancellationToken cancellationToken = default)
    {
        var sweep = Sweep(sweepId);
        while (true)
        {
            var status = await sweep.GetStatusAsync().WaitAsync(cancellationToken);
            progress?.Report(status);
            if (status.Finished || !status.Exists) return status;
            await Task.Delay(pollInterval ?? TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Stops the silo: running cases give their leases back, so a later start resumes them.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _host.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (_host is IAsyncDisposable d) await d.DisposeAsync();
            else _host.Dispose();
        }
    }

    /// <summary>
    /// Two free loopback ports, distinct from each other and from <paramref name="taken"/>: both listeners are open at once, since
    /// ports asked for one after the other can come back equal (it happened: "SiloPort and GatewayPort are both 35239").
    /// </summary>
    private static int[] FreePorts(int taken)
    {
        var listeners = new List<TcpListener>();
        try
        {
            var ports = new List<int>();
            while (ports.Count < 2)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
                int port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (port != taken) ports.Add(port);
            }
            return [.. ports];
        }
        finally
        {
            foreach (var listener in listeners) listener.Dispose();
        }
    }
}
