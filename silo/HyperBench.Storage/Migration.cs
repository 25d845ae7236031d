using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace HyperBench.Storage;

/// <summary>One numbered file of infra/sql, as embedded in this assembly.</summary>
internal sealed partial record Migration(int Version, string Name, string Text)
{
    private const string ResourcePrefix = "HyperBench.Storage.Migrations.";

    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));

    /// <summary>The text for one database: lines ending in <c>-- only:other</c> are dropped.</summary>
    public string TextFor(string provider)
    {
        var kept = new StringBuilder(Text.Length);
        foreach (var line in Text.Split('\n'))
        {
            var match = OnlyMarker().Match(line);
            if (match.Success && !string.Equals(match.Groups[1].Value, provider, StringComparison.OrdinalIgnoreCase)) continue;
            kept.Append(line).Append('\n');
        }
        return kept.ToString();
    }

    /// <summary>Every embedded migration, ordered by version; throws when two share a number or a name has none.</summary>
    public static IReadOnlyList<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migration).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            string name = resource[ResourcePrefix.Length..];
            var match = FileName().Match(name);
            if (!match.Success)
                throw new InvalidDataException($"migration '{name}' is not named NNNN_description.sql.");
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), name, Read(assembly, resource)));
        }
        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidDataException($"migrations {string.Join(" and ", duplicate.Select(m => m.Name))} share version {duplicate.Key}.");
        if (migrations.Count == 0) throw new InvalidDataException("no migration is embedded in HyperBench.Storage (infra/sql/*.sql).");
        return [.. migrations.OrderBy(m => m.Version)];
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^(\d{4})_[A-Za-z0-9_]+\.sql$")]
    private static partial Regex FileName();

    [GeneratedRegex(@"--\s*only:\s*(\w+)\s*$")]
    private static partial Regex OnlyMarker();
}
