using HyperBench.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>Silo-level wiring, shared by the hosted silo, the embedded cluster and test clusters.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>The services the HyperBench grains need (an <see cref="HyperBench.Storage.ISweepStore"/> must be registered too).</summary>
    public static ISiloBuilder AddHyperBenchGrains(this ISiloBuilder silo, Action<SweepSchedulingOptions>? configure = null)
    {
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<HyperBenchMetrics>();
        var scheduling = silo.Services.AddOptions<SweepSchedulingOptions>();
        if (configure is not null) scheduling.Configure(configure);
        // In the background: the silo does not wait for it, and a sweep started meanwhile is no slower than without it.
        silo.AddStartupTask(static (_, _) =>
        {
            _ = Task.Run(static () =>
            {
                try
                {
                    SweepGrain.WarmUp();
                }
                catch (Exception)
                {
                    // Only a head start: the first sweep builds whatever this did not.
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        });
        return silo;
    }

    /// <summary>
    /// Schedules (docs/schedules.md): the scheduler grain, activated at silo start so that its reminder exists, ticked by that reminder
    /// every <see cref="SchedulerOptions.TickPeriod"/>. Reminders are in memory unless the host configured a reminder service
    /// (call this after it); the schedules themselves live in the results database, so a restart loses nothing.
    /// </summary>
    public static ISiloBuilder AddHyperBenchScheduler(this ISiloBuilder silo, Action<SchedulerOptions>? configure = null)
    {
        var scheduler = silo.Services.AddOptions<SchedulerOptions>();
        if (configure is not null) scheduler.Configure(configure);
        if (!silo.Services.Any(d => d.ServiceType == typeof(IReminderTable)))
            silo.UseInMemoryReminderService();
        silo.AddStartupTask(static async (services, _) =>
        {
            // The first tick registers the reminder (on activation) and runs a due time missed while the cluster was down. A database
            // that is down must not stop the silo: the reminder ticks again.
            try
            {
                await services.GetRequiredService<IGrainFactory>().GetGrain<Contracts.ISchedulerGrain>(Contracts.ISchedulerGrain.Key).TickAsync();
            }
            catch (Storage.StorageUnavailableException ex)
            {
                services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger<SchedulerGrain>()
                    .LogWarning("schedules: the first tick could not read the database ({Reason}); the reminder retries", ex.Message);
            }
        });
        return silo;
    }

    /// <summary>
    /// One device worker per device of this silo, started when the silo is active. <paramref name="configure"/> sets the options in
    /// code (test clusters); hosts bind them from configuration instead (<see cref="HostApplicationBuilderExtensions.AddHyperBenchDeviceWorkers"/>).
    /// </summary>
    public static IServiceCollection AddHyperBenchDeviceWorkers(this IServiceCollection services, Action<DeviceWorkerOptions>? configure = null)
    {
        var workers = services.AddOptions<DeviceWorkerOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceWorkerOptions>, DeviceWorkerOptionsValidator>());
        if (configure is not null) workers.Configure(configure);
        services.TryAddSingleton(DeviceWorkerScope.Everything);
        services.TryAddSingleton<IDeviceWorkerFaults, NoDeviceWorkerFaults>();
        services.TryAddSingleton<DeviceWorkerService>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<DeviceWorkerService>());
        return services;
    }
}
