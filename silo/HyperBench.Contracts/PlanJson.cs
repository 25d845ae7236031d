using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace HyperBench.Contracts;

/// <summary>
/// The stored text of a <see cref="SweepPlan"/> (snake_case, enums by name, like the stored cases). Plans stored before the grid
/// and the measurement options were nested (flat, with "seq_lens" at the top) still load, through <see cref="LegacySweepPlan"/>.
/// </summary>
public static class PlanJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // a noise gate that never fires is +Infinity ("Infinity" in the text)
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The plan files' reading and writing (<see cref="PlanFile"/>): an unknown key is an error, the text indented.</summary>
    internal static readonly JsonSerializerOptions FileOptions = new(Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
    };

    public static string Serialize(SweepPlan plan) => JsonSerializer.Serialize(plan, Options);

    /// <exception cref="InvalidDataException">The text is not a plan of this version nor of the flat form before it (says which it found).</exception>
    public static SweepPlan Deserialize(string json)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"stored plan is not a JSON object: '{json}'.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"stored plan is not valid JSON ({ex.Message}): '{json}'.", ex);
        }
        try
        {
            if (root.ContainsKey("grid"))
                return JsonSerializer.Deserialize<SweepPlan>(root, Options) ?? throw new InvalidDataException($"stored plan is empty: '{json}'.");
            if (root.ContainsKey("seq_lens"))
                return (JsonSerializer.Deserialize<LegacySweepPlan>(root, Options) ?? throw new InvalidDataException($"stored plan is empty: '{json}'.")).ToPlan();
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"stored plan cannot be read ({ex.Message}): '{json}'.", ex);
        }
        throw new InvalidDataException(
            $"stored plan has neither \"grid\" (a plan of this version) nor \"seq_lens\" (a flat plan stored by an earlier version): '{json}'.");
    }

    /// <summary>The measurement settings alone, for the sweeps table.</summary>
    public static string SerializeMeasurement(SweepPlan plan) => JsonSerializer.Serialize(
        new { plan.Measurement.MinSamples, plan.Measurement.BudgetSeconds, plan.Measurement.WarmupRuns, plan.Measurement.WarmupSeconds }, Options);
}
