using System.Text.Json;

namespace HyperBench.Cli.Plans;

/// <summary>Reads a "Section:Key" value from appsettings.json in the current directory or next to the executable (first found wins).</summary>
public static class AppSettings
{
    public static string? Get(string key)
    {
        foreach (string path in new[] { Path.Combine(Environment.CurrentDirectory, "appsettings.json"), Path.Combine(AppContext.BaseDirectory, "appsettings.json") })
        {
            if (!File.Exists(path)) continue;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                JsonElement node = doc.RootElement;
                bool found = true;
                foreach (string part in key.Split(':'))
                {
                    var match = node.ValueKind == JsonValueKind.Object
                        ? node.EnumerateObject().FirstOrDefault(p => string.Equals(p.Name, part, StringComparison.OrdinalIgnoreCase))
                        : default;
                    if (match.Value.ValueKind == JsonValueKind.Undefined) { found = false; break; }
                    node = match.Value;
                }
                if (found && node.ValueKind == JsonValueKind.String) return node.GetString();
            }
            catch (JsonException ex)
            {
                throw new PlanException($"{path}: not valid JSON ({ex.Message}).");
            }
        }
        return null;
    }
}
