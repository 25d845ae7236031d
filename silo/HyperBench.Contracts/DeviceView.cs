using HyperBench.Kernels.Backends;

namespace HyperBench.Contracts;

/// <summary>A device as the cluster sees it: what it is, where it lives, whether it is alive and what it runs.</summary>
/// <param name="DeviceKey">Unique in the cluster: "{silo endpoint}/{device id}", e.g. "10.0.0.5:11111/cuda:0".</param>
/// <param name="DeviceId">The --device spelling: cuda:0, ilgpu-cpu, cpu.</param>
/// <param name="Kind">"cuda", "ilgpu-cpu" or "cpu".</param>
/// <param name="ModelName">GPU or CPU model.</param>
/// <param name="MemoryBytes">Memory the device may allocate from (cases needing more are not offered to it).</param>
/// <param name="Detail">Compute capability, cores, driver: free text.</param>
/// <param name="SiloAddress">The silo that owns the device.</param>
/// <param name="LastSeenUtc">Last registration or heartbeat.</param>
/// <param name="BusyCase">The case running now ("{sweep}/{case}"), null when idle.</param>
/// <param name="Gone">Not seen for longer than the registry's timeout.</param>
/// <param name="Fingerprint">The environment fingerprint of the device's results (their environment_id); null from older workers.</param>
[GenerateSerializer, Alias("hyperbench.DeviceView")]
public sealed record DeviceView(
    [property: Id(0)] string DeviceKey,
    [property: Id(1)] string DeviceId,
    [property: Id(2)] string Kind,
    [property: Id(3)] string ModelName,
    [property: Id(4)] long MemoryBytes,
    [property: Id(5)] string Detail,
    [property: Id(6)] string SiloAddress,
    [property: Id(7)] DateTime LastSeenUtc,
    [property: Id(8)] string? BusyCase = null,
    [property: Id(9)] bool Gone = false,
    [property: Id(10)] string? Fingerprint = null)
{
    /// <summary>This device's key, parsed: its kind, CUDA index and silo.</summary>
    public DeviceSpec Spec => DeviceSpec.Parse(DeviceKey);

    /// <summary>
    /// Whether a plan's device filter admits this device (empty filter: every device). Entries are <see cref="DeviceSpec"/> spellings;
    /// the plan was validated, so each parses.
    /// </summary>
    public bool Matches(IReadOnlyCollection<string> filter)
    {
        if (filter.Count == 0) return true;
        var self = Spec;
        return filter.Any(f => DeviceSpec.Parse(f).Matches(self));
    }

    /// <summary>Whether a plan may run on this device: its device filter, its device model (a glob) and its fingerprint prefix.</summary>
    public bool Matches(SweepPlan plan) =>
        Matches(plan.Devices) && ModelMatches(plan.DeviceModel)
        && (plan.Fingerprint is null || (Fingerprint?.StartsWith(plan.Fingerprint, StringComparison.OrdinalIgnoreCase) ?? false));

    /// <summary>Null admits every model; otherwise the model, or a glob (* any text, ? one character), case-insensitive.</summary>
    public bool ModelMatches(string? model)
    {
        if (model is null) return true;
        string pattern = "^" + System.Text.RegularExpressions.Regex.Escape(model).Replace(@"\*", ".*", StringComparison.Ordinal)
            .Replace(@"\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(ModelName, pattern,
            System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);
    }
}
