using HyperBench.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Grains;

/// <summary>
/// Every device of the cluster, in memory: workers re-register when they find themselves unknown (after this grain moved to
/// another silo), so nothing here needs to survive a restart.
/// </summary>
public sealed class DeviceRegistryGrain(IOptions<SweepSchedulingOptions> options, ILogger<DeviceRegistryGrain> logger) : Grain, IDeviceRegistryGrain
{
    private readonly Dictionary<string, DeviceView> _devices = new(StringComparer.Ordinal);

    public Task RegisterAsync(DeviceView device)
    {
        if (!_devices.ContainsKey(device.DeviceKey))
            logger.LogInformation("Device {DeviceKey} registered: {Model}, {MemoryGiB:F1} GiB, {Detail}", device.DeviceKey, device.ModelName,
                device.MemoryBytes / (double)(1L << 30), device.Detail);
        _devices[device.DeviceKey] = device with { LastSeenUtc = DateTime.UtcNow, Gone = false };
        return Task.CompletedTask;
    }

    public Task<bool> HeartbeatAsync(string deviceKey, string? busyCase)
    {
        if (!_devices.TryGetValue(deviceKey, out var device)) return Task.FromResult(false);
        _devices[deviceKey] = device with { LastSeenUtc = DateTime.UtcNow, BusyCase = busyCase, Gone = false };
        return Task.FromResult(true);
    }

    public Task<DeviceView[]> ListAsync(bool includeGone = false)
    {
        var cutoff = DateTime.UtcNow - options.Value.DeviceGoneAfter;
        var views = _devices.Values
            .Select(d => d.LastSeenUtc < cutoff ? d with { Gone = true, BusyCase = null } : d)
            .Where(d => includeGone || !d.Gone)
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal)
            .ToArray();
        return Task.FromResult(views);
    }

    public Task UnregisterAsync(string deviceKey)
    {
        if (_devices.Remove(deviceKey)) logger.LogInformation("Device {DeviceKey} unregistered", deviceKey);
        return Task.CompletedTask;
    }
}
