using System.Text.Json;
using System.Text.Json.Nodes;

namespace HyperBench.Contracts;

/// <summary>
/// A plan as a file (docs/plans.md, "Plan files"): the JSON a sweep stores in sweeps.plan_json, indented, with a "version" first.
/// `sweep --save-plan` writes it; `sweep --plan` and schedules read it. Reading is strict: an unknown version, an unknown key or a
/// bad value is an error naming the file and the value, never a plan that differs from the file.
/// </summary>
public static class PlanFile
{
    /// <summary>The version this build writes and the only one it reads.</summary>
    public const int Version = 1;

    public static string Serialize(SweepPlan plan)
    {
        var body = JsonSerializer.SerializeToNode(plan, PlanJson.FileOptions)!.AsObject();
        var file = new JsonObject { ["version"] = Version };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            file[key] = value;
        }
        return file.ToJsonString(PlanJson.FileOptions) + "\n";
    }

    /// <exception cref="InvalidDataException">The file is missing or unreadable, or not a valid plan of this version (names the file and the value).</exception>
    public static SweepPlan Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidDataException(ex is FileNotFoundException or DirectoryNotFoundException
                ? $"plan file '{path}' does not exist."
                : $"plan file '{path}' cannot be read ({ex.Message}).", ex);
        }
        return Parse(text, path);
    }

    /// <param name="source">The file's name, for the messages.</param>
    /// <exception cref="InvalidDataException">Names <paramref name="source"/> and the bad value.</exception>
    public static SweepPlan Parse(string text, string source)
    {
        string where = $"plan file '{source}'";
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw new InvalidDataException($"{where} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{where} is not valid JSON: {ex.Message}", ex);
        }
        if (!root.TryGetPropertyValue("version", out var versionNode) || versionNode is null)
            throw new InvalidDataException($"{where} has no \"version\" (this build reads version {Version}).");
        if (versionNode.GetValueKind() != JsonValueKind.Number || !versionNode.AsValue().TryGetValue(out int version) || version != Version)
            throw new InvalidDataException($"{where}: version {versionNode.ToJsonString()} is not known (this build reads version {Version}).");
        root.Remove("version");
        SweepPlan plan;
        try
        {
            plan = root.Deserialize<SweepPlan>(PlanJson.FileOptions) ?? throw new InvalidDataException($"{where} is empty.");
        }
        catch (JsonException ex)
        {
            // STJ names the path ("$.grid.kernels[0]"), not the value: look it up so the message shows what the file says.
            string value = ex.Path is { } path && Find(root, path) is { } node ? $" = {node.ToJsonString()}" : "";
            throw new InvalidDataException($"{where}: {ex.Path?.TrimStart('$', '.')}{value}: {ex.Message.Split(" Path:", 2)[0]}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{where}: {Field(ex)}{FirstLine(ex.Message)}", ex);
        }
        try
        {
            plan.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"{where}: {Field(ex)}{FirstLine(ex.Message)}", ex);
        }
        return plan;
    }

    /// <summary>The node at a JSON path as System.Text.Json writes it ($.a.b[2]), or null.</summary>
    private static JsonNode? Find(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = part;
            int bracket = name.IndexOf('[', StringComparison.Ordinal);
            string indexes = bracket >= 0 ? name[bracket..] : "";
            if (bracket >= 0) name = name[..bracket];
            if (name.Length > 0) node = node is JsonObject o && o.TryGetPropertyValue(name, out var child) ? child : null;
            foreach (var index in indexes.Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
                node = node is JsonArray a && int.TryParse(index, System.Globalization.CultureInfo.InvariantCulture, out int i) && i < a.Count ? a[i] : null;
            if (node is null) return null;
        }
        return node;
    }

    private static string Field(ArgumentException ex) =>
        ex.ParamName is { Length: > 0 } name ? JsonNamingPolicy.SnakeCaseLower.ConvertName(name) + ": " : "";

    // ArgumentException appends " (Parameter 'x')" (and ArgumentOutOfRangeException the actual value after it).
    private static string FirstLine(string message) => message.Split(" (Parameter", 2)[0].Trim();
}
