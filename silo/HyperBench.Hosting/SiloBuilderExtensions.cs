using HyperBench.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
