using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Storage;

/// <summary>The stored text of a <see cref="BenchmarkCase"/> (snake_case JSON; enums by name) and back.</summary>
public static class CaseJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Serialize(BenchmarkCase benchmarkCase) => JsonSerializer.Serialize(benchmarkCase, Options);

    public static BenchmarkCase Deserialize(string json) =>
        JsonSerializer.Deserialize<BenchmarkCase>(json, Options) ?? throw new InvalidDataException($"stored case is empty: '{json}'.");
}
