using System.Text.Json;
using System.Text.Json.Serialization;

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
        // Write then rename: a crash mid-write never leaves a truncated report where a good one was.
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(report, Options));
        File.Move(temp, path, overwrite: true);
    }
}
