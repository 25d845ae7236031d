using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Contracts;

namespace HyperBench.Grains;

/// <summary>The stored text of a <see cref="SweepPlan"/> (snake_case, like the stored cases).</summary>
public static class PlanJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(SweepPlan plan) => JsonSerializer.Serialize(plan, Options);

    public static SweepPlan Deserialize(string json) =>
        JsonSerializer.Deserialize<SweepPlan>(json, Options) ?? throw new InvalidDataException($"stored plan is empty: '{json}'.");

    /// <summary>The measurement settings alone, for the sweeps table.</summary>
    public static string SerializeMeasurement(SweepPlan plan) => JsonSerializer.Serialize(
        new { plan.MinSamples, plan.BudgetSeconds, plan.WarmupRuns, plan.WarmupSeconds }, Options);
}
