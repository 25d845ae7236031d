namespace HyperBench.Contracts;

/// <summary>Every device of the cluster (key 0), with last-seen times: a device not seen for a while is marked gone.</summary>
[Alias("hyperbench.IDeviceRegistryGrain")]
public interface IDeviceRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds or refreshes a device (also its heartbeat: the view carries the busy case).</summary>
    [Alias("Register")]
    Task RegisterAsync(DeviceView device);

    /// <summary>Refreshes last-seen and the busy case; false when the device is unknown (the caller should register).</summary>
    [Alias("Heartbeat")]
    Task<bool> HeartbeatAsync(string deviceKey, string? busyCase);

    /// <summary>Devices, gone ones included when asked.</summary>
    [Alias("List")]
    Task<DeviceView[]> ListAsync(bool includeGone = false);

    /// <summary>Removes a device (its worker stopped cleanly).</summary>
    [Alias("Unregister")]
    Task UnregisterAsync(string deviceKey);
}
