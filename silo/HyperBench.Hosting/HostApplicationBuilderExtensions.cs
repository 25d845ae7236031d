using System.Net;
using HyperBench.Grains;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace HyperBench.Hosting;

/// <summary>
/// One method per concern, so a host's Program.cs reads like a table of contents. All read <see cref="HyperBenchSiloOptions"/>
/// (section "HyperBench"); the standalone silo and the CLI's embedded cluster share them.
/// </summary>
public static partial class HostApplicationBuilderExtensions
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
    /// The Orleans silo: clustering (localhost or ADO.NET on PostgreSQL), ports, and the HyperBench grains. With adonet the silo
    /// creates Orleans' membership tables when they are missing, before it joins the cluster (<see cref="OrleansClusteringSchema"/>).
    /// </summary>
    public static IHostApplicationBuilder AddHyperBenchOrleans(this IHostApplicationBuilder builder)
    {
        var options = builder.AddHyperBenchOptions();
        if (options.Clustering == "adonet")
            builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OrleansClusteringSchemaMigration>();
        builder.UseOrleans(silo =>
        {
            if (options.Clustering == "adonet")
            {
                silo.Configure<ClusterOptions>(c =>
                {
                    c.ClusterId = options.ClusterId;
                    c.ServiceId = options.ServiceId;
                });
                silo.UseAdoNetClustering(a =>
                {
                    a.Invariant = "Npgsql";
                    a.ConnectionString = options.ClusteringConnectionString;
                });
                // Listening on the advertised address only, unless ListenAddress opens more: the gateway takes any client without
                // authentication, so 0.0.0.0 must be a choice, not a default.
                if (string.IsNullOrWhiteSpace(options.AdvertisedIp))
                    silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort);
                else
                    silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedIp), options.SiloPort, options.GatewayPort);
                if (!string.IsNullOrWhiteSpace(options.ListenAddress))
                {
                    var listen = IPAddress.Parse(options.ListenAddress);
                    silo.Configure<EndpointOptions>(e =>
                    {
                        e.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
                        e.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
                    });
                }
            }
            else
            {
                var primary = string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint) ? null : IPEndPoint.Parse(options.PrimarySiloEndpoint);
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
            }
            silo.AddHyperBenchGrains(s => s.DeviceGoneAfter = TimeSpan.FromSeconds(options.DeviceGoneSeconds));
        });
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
        if (options.Clustering == "adonet")
            builder.Services.AddHostedService<OrleansClusteringSchemaCheck>();
        builder.UseOrleansClient(client =>
        {
            if (options.Clustering == "adonet")
            {
                client.Configure<ClusterOptions>(c =>
                {
                    c.ClusterId = options.ClusterId;
                    c.ServiceId = options.ServiceId;
                });
                client.UseAdoNetClustering(a =>
                {
                    a.Invariant = "Npgsql";
                    a.ConnectionString = options.ClusteringConnectionString;
                });
            }
            else
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }
        });
        return builder;
    }

    /// <summary>One device worker per device of HyperBench:Devices, each on its own thread.</summary>
    public static IHostApplicationBuilder AddHyperBenchDeviceWorkers(this IHostApplicationBuilder builder)
    {
        var options = builder.AddHyperBenchOptions();
        builder.Services.AddHyperBenchDeviceWorkers(w =>
        {
            w.Devices = options.Devices;
            w.Heartbeat = TimeSpan.FromSeconds(options.HeartbeatSeconds);
            w.IdlePoll = TimeSpan.FromMilliseconds(options.IdlePollMilliseconds);
            w.MemoryLimitBytes = options.DeviceMemoryLimitBytes;
        });
        return builder;
    }

    /// <summary>Binds and validates the options now (clustering must be known while the silo is configured) and at start.</summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names its key.</exception>
    internal static HyperBenchSiloOptions AddHyperBenchOptions(this IHostApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(HyperBenchSiloOptions.Section);
        if (!builder.Services.Any(d => d.ServiceType == typeof(HyperBenchSiloOptionsValidator)))
        {
            builder.Services.AddSingleton<HyperBenchSiloOptionsValidator>();
            builder.Services.AddSingleton<IValidateOptions<HyperBenchSiloOptions>>(sp => sp.GetRequiredService<HyperBenchSiloOptionsValidator>());
            builder.Services.AddOptions<HyperBenchSiloOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        }
        HyperBenchSiloOptions options;
        try
        {
            options = section.Get<HyperBenchSiloOptions>() ?? new HyperBenchSiloOptions();
        }
        catch (InvalidOperationException ex) when (ConversionKey().Match(ex.Message) is { Success: true } m)
        {
            // The binder names the key and the type but not the value the user gave.
            string key = m.Groups[1].Value;
            throw new OptionsValidationException(Options.DefaultName, typeof(HyperBenchSiloOptions),
                [$"{key} = '{builder.Configuration[key]}' is not a valid {m.Groups[2].Value.Replace("System.", "", StringComparison.Ordinal)}."]);
        }
        var failures = new List<string>();
        var context = new System.ComponentModel.DataAnnotations.ValidationContext(options);
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        if (!System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, context, results, validateAllProperties: true))
            failures.AddRange(results.Select(r => $"{HyperBenchSiloOptions.Section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        var custom = new HyperBenchSiloOptionsValidator().Validate(null, options);
        if (custom.Failed) failures.AddRange(custom.Failures ?? []);
        if (failures.Count > 0) throw new OptionsValidationException(Options.DefaultName, typeof(HyperBenchSiloOptions), failures);
        return options;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"configuration value (?:'[^']*' )?at '([^']+)' to type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionKey();
}
