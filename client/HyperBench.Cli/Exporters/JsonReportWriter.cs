using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Cli.Plans;

namespace HyperBench.Cli.Exporters;

/// <summary>Writes a <see cref="BenchReport"/> as snake_case JSON (infinities and NaN as strings, so nothing is lost).</summary>
public static class JsonReportWriter
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static void Write(string path, BenchReport report)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        // Atomic for a file (a crash never leaves a truncated report where a good one was); in place for /dev/null or a link.
        OutputPath.WriteAllText(path, JsonSerializer.Serialize(report, Options));
    }
}
