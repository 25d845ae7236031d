using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>
/// One method per concern, so a host's Program.cs reads like a table of contents. All read the section "HyperBench" of the host's
/// configuration through <see cref="HyperBenchSettings"/>; the standalone silo and the CLI's embedded cluster share them.
/// </summary>
public static class HostApplicationBuilderExtensions
{
    /// <summary>The SQL store (SQLite file or PostgreSQL, from HyperBench:Db), migrated before the silo starts.</summary>
    public static IHostApplicationBuilder AddHyperBenchStorage(this IHostApplicationBuilder builder)
    {
        builder.AddHyperBenchOptions();
        builder.Services.TryAddSingleton<ISweepStore>(sp =>
            SweepStoreFactory.Create(sp.GetRequiredService<IOptions<HyperBenchSiloOptions>>().Value.Db, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StoreMigration>();
        return builder;
    }

    /// <summary>
    /// The Orleans silo: clustering (localhost or ADO.NET on PostgreSQL, <see cref="ClusteringExtensions"/>), ports, and the
    /// HyperBench grains.
    /// </summary>
    public static IHostApplicationBuilder AddHyperBenchOrleans(this IHostApplicationBuilder builder)
    {
        var options = builder.AddHyperBenchOptions();
        builder.UseOrleans(silo => silo
            .UseHyperBenchClustering(options)
            .UseHyperBenchTls(options.Tls)
            .AddHyperBenchGrains(s => s.DeviceGoneAfter = TimeSpan.FromSeconds(options.DeviceGoneSeconds))
            .AddHyperBenchScheduler());
        return builder;
    }

    /// <summary>
    /// An Orleans client of a running HyperBench cluster (the CLI's remote mode), from the same settings as the silos:
    /// HyperBench:Clustering, GatewayPort (localhost) or ClusteringConnectionString (adonet), ClusterId, ServiceId.
    /// Never in the same host as <see cref="AddHyperBenchOrleans"/> (a silo is its own client). With adonet the client does not
    /// create the membership tables: it fails at start, saying so, when they are missing (no silo has ever run there).
    /// </summary>
    public static IHostApplicationBuilder AddHyperBenchClient(this IHostApplicationBuilder builder)
    {
        var options = builder.AddHyperBenchOptions();
        builder.UseOrleansClient(client => client.UseHyperBenchClustering(options).UseHyperBenchTls(options.Tls));
        return builder;
    }

    /// <summary>One device worker per device of HyperBench:Devices, each on its own thread.</summary>
    public static IHostApplicationBuilder AddHyperBenchDeviceWorkers(this IHostApplicationBuilder builder)
    {
        builder.AddHyperBenchOptions();
        builder.Services.AddHyperBenchDeviceWorkers();
        return builder;
    }

    /// <summary>
    /// Registers the options (bound from the host's configuration, validated again at start) and reads them now: clustering must be
    /// known while the silo is configured, and a bad setting must stop the host before any of its services (the store) is created.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names its key and value (every bad one).</exception>
    private static HyperBenchSiloOptions AddHyperBenchOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHyperBenchOptions(builder.Configuration);
        return HyperBenchSettings.Read(builder.Configuration).Silo;
    }
}
