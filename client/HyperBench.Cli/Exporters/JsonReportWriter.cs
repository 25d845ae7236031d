using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;

namespace HyperBench.Cli.Exporters;

/// <summary>Writes a <see cref="BenchReport"/> as snake_case JSON (infinities and NaN as strings, so nothing is lost).</summary>
public static class JsonReportWriter
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        // The variants by their one spelling (per-run, detached-lse: what options, case ids and stored rows say), other enums snake_case.
        Converters =
        {
            new NameConverter<BucketOrder>(HyperVariantNames.Name, HyperVariantNames.ParseBucketOrder),
            new NameConverter<Resample>(HyperVariantNames.Name, HyperVariantNames.ParseResample),
            new NameConverter<HyperGradient>(HyperVariantNames.Name, HyperVariantNames.ParseGradient),
            new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower),
        },
    };

    public static void Write(string path, BenchReport report)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        // Atomic for a file (a crash never leaves a truncated report where a good one was); in place for /dev/null or a link.
        OutputPath.WriteAllText(path, JsonSerializer.Serialize(report, Options));
    }
}

/// <summary>Writes and reads an enum by the name its vocabulary gives it (<see cref="HyperVariantNames"/>).</summary>
internal sealed class NameConverter<T>(Func<T, string> name, Func<string, T> parse) : JsonConverter<T>
    where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(name(value));
}
