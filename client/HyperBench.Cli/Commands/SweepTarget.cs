using System.Globalization;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace HyperBench.Cli.Commands;

/// <summary>
/// Where a sweep runs: the in-process silo (a SQLite file or --db, this machine's devices) or a running cluster reached through
/// its gateway. Either way the CLI talks to the same grains, and reads results from the store.
/// </summary>
internal sealed class SweepTarget : IAsyncDisposable
{
    private readonly EmbeddedCluster? _embedded;
    private readonly IHost? _clientHost;

    private SweepTarget(EmbeddedCluster embedded)
    {
        _embedded = embedded;
        Client = embedded.Client;
        Store = embedded.Store;
    }

    private SweepTarget(IHost clientHost, IClusterClient client, ISweepStore? store)
    {
        _clientHost = clientHost;
        Client = client;
        Store = store;
    }

    public IClusterClient Client { get; }

    /// <summary>Null in cluster mode when no store was named and the default file does not exist.</summary>
    public ISweepStore? Store { get; }

    public bool Embedded => _embedded is not null;

    /// <param name="sweeps">The only sweeps its devices run (the one this command started or resumes; none for an inventory).</param>
    /// <exception cref="PlanException">A device could not be opened: nothing would run the sweep's cases (it is not stored).</exception>
    public static async Task<SweepTarget> StartEmbeddedAsync(string db, string devices, IReadOnlyList<string> sweeps, CancellationToken cancellationToken)
    {
        var embedded = await EmbeddedCluster.StartAsync(CliConfiguration.ForEmbeddedSilo(db, devices), new EmbeddedClusterOptions { Sweeps = sweeps },
            cancellationToken);
        var wanted = DeviceSelection.Resolve(devices);
        var started = embedded.Services.GetService<DeviceWorkerService>()?.Workers.Count ?? wanted.Count;
        if (started < wanted.Count)
        {
            await embedded.DisposeAsync();
            throw new PlanException($"--device {devices}: {wanted.Count - started} of {wanted.Count} device(s) ({string.Join(", ", wanted)}) could not be opened.");
        }
        return new SweepTarget(embedded);
    }

    /// <summary>
    /// The in-process silo (no <paramref name="cluster"/>) or a running cluster, behind a spinner: what `sweep` and `scaling` open
    /// before they store anything. Null with the exit code when it failed (a device that could not be opened or a bad --cluster: 2,
    /// said on the console) or was interrupted (130, saying <paramref name="interruptedMessage"/>).
    /// </summary>
    public static async Task<(SweepTarget? Target, int ExitCode)> OpenAsync(IAnsiConsole console, string? cluster, string? dbOption,
        string db, string devices, IReadOnlyList<string> sweeps, Interrupt interrupt, string interruptedMessage)
    {
        try
        {
            var target = await console.Status().StartAsync(cluster is null ? "starting the in-process silo" : "connecting to the cluster", _ =>
                cluster is null ? StartEmbeddedAsync(db, devices, sweeps, interrupt.Token) : ConnectAsync(cluster, dbOption, interrupt.Token));
            return (target, ExitCodes.Ok);
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return (null, ExitCodes.InvalidInput);
        }
        catch (OperationCanceledException) when (interrupt.Signalled)
        {
            console.MarkupLine("[yellow]interrupted[/] " + interruptedMessage);
            return (null, ExitCodes.Interrupted);
        }
    }

    /// <summary>Connects to a running cluster: "localhost:PORT" (or a port) for silos on this machine, else an ADO.NET (PostgreSQL) membership table.</summary>
    public static async Task<SweepTarget> ConnectAsync(string cluster, string? db, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>();
        string s = HyperBenchSiloOptions.Section + ":";
        string value = cluster.Trim();
        string port = value.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? value["localhost:".Length..] : value;
        if (int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int gateway))
        {
            if (gateway is < 1 or > 65535) throw new PlanException($"--cluster: port {gateway} is out of range 1..65535.");
            settings[s + nameof(HyperBenchSiloOptions.Clustering)] = "localhost";
            settings[s + nameof(HyperBenchSiloOptions.GatewayPort)] = gateway.ToString(CultureInfo.InvariantCulture);
        }
        else if (value.Contains("Host=", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgres", StringComparison.OrdinalIgnoreCase))
        {
            settings[s + nameof(HyperBenchSiloOptions.Clustering)] = "adonet";
            settings[s + nameof(HyperBenchSiloOptions.ClusteringConnectionString)] = value;
            // The silos of an ADO.NET cluster usually keep results in the same PostgreSQL database.
            db ??= value;
        }
        else
        {
            throw new PlanException($"--cluster: '{SweepStoreFactory.Redact(value)}' is neither localhost:<gateway port> nor a PostgreSQL connection string.");
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "hyperbench-client" });
        // The user's settings (ClusterId, ServiceId, ...) as a silo reads them, with what --cluster says over them.
        builder.Configuration.AddConfiguration(CliConfiguration.Build(settings));
        builder.AddHyperBenchClient();
        builder.Services.AddSingleton<IHostLifetime, CallerOwnedLifetime>();
        var host = builder.Build();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await host.StartAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            // A gateway that never answers (down, or a TLS gateway ending each handshake of a client it does not trust) is a timeout.
            string why = ex is OperationCanceledException
                ? "no gateway answered within 30 s; is a silo running there? A silo with HyperBench:Tls on needs a trusted client certificate (docs/security.md)"
                : $"{ex.GetType().Name}: {ex.Message}";
            throw new PlanException($"--cluster: could not connect to '{SweepStoreFactory.Redact(value)}' ({why}).");
        }

        ISweepStore? store = null;
        string resolved = CliConfiguration.Db(db).Value;
        if (SweepStoreFactory.SqliteFilePath(resolved) is not { } file || File.Exists(file))
        {
            store = StoreOpener.OpenWriter(resolved);
            await store.MigrateAsync(cancellationToken);
        }
        return new SweepTarget(host, host.Services.GetRequiredService<IClusterClient>(), store);
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null) await _embedded.DisposeAsync();
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(10));
            _clientHost.Dispose();
            if (Store is IAsyncDisposable d) await d.DisposeAsync();
        }
    }
}
