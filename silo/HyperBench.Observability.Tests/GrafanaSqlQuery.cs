using System.Globalization;
using System.Text.RegularExpressions;

namespace HyperBench.Observability.Tests;

/// <summary>
/// A dashboard's SQL as Grafana's PostgreSQL data source sends it: template variables interpolated (a multi-value or "All"
/// variable as a list of quoted literals, a single value as is), the global <c>$__from</c>/<c>$__to</c>/<c>$__interval</c>
/// replaced, and the time macros expanded to PostgreSQL text (<c>$__timeFilter</c>, <c>$__timeFrom</c>, <c>$__timeTo</c>,
/// <c>$__time</c>, <c>$__timeEpoch</c>, <c>$__timeGroup</c>, <c>$__timeGroupAlias</c>, <c>$__unixEpochFilter</c>,
/// <c>$__unixEpochFrom</c>, <c>$__unixEpochTo</c>, <c>$__unixEpochNanoFilter</c>, <c>$__unixEpochNanoFrom</c>,
/// <c>$__unixEpochNanoTo</c>, <c>$__unixEpochGroup</c>, <c>$__unixEpochGroupAlias</c>).
/// </summary>
internal static partial class GrafanaSqlQuery
{
    /// <summary>The interval <c>$__interval</c> stands for (Grafana derives it from the panel width and the time range).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Variables, global variables and time macros, in that order (as Grafana's front end and back end do).</summary>
    /// <exception cref="InvalidOperationException">A macro is unknown or a variable has no value: names it.</exception>
    public static string Expand(string sql, IReadOnlyDictionary<string, VariableValue> variables, DateTimeOffset from, DateTimeOffset to)
    {
        string text = InterpolateVariables(sql, variables);
        text = text.Replace("$__interval_ms", ((long)Interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("$__interval", "1m", StringComparison.Ordinal);
        text = ExpandMacros(text, from, to);
        text = GlobalTime().Replace(text, m => (m.Value == "$__from" ? from : to).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        if (LeftOver().Match(text) is { Success: true } left) throw new InvalidOperationException($"'{left.Value}' is not expanded in: {text}");
        return text;
    }

    private static string InterpolateVariables(string sql, IReadOnlyDictionary<string, VariableValue> variables) =>
        GrafanaDashboard.VariableReference().Replace(sql, m =>
        {
            string name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Success ? m.Groups["plain"].Value : m.Groups["old"].Value;
            if (name.StartsWith("__", StringComparison.Ordinal)) return m.Value; // a macro or a global variable: below
            if (!variables.TryGetValue(name, out var value)) throw new InvalidOperationException($"variable ${name} has no value (its query failed or returned no rows, or it is not defined)");
            return value.Format();
        });

    private static string ExpandMacros(string sql, DateTimeOffset from, DateTimeOffset to) =>
        Macro().Replace(sql, m =>
        {
            string[] args = m.Groups["args"].Value.Length == 0 ? [] : [.. m.Groups["args"].Value.Split(',').Select(a => a.Trim())];
            string Arg(int i) => i < args.Length ? args[i] : throw new InvalidOperationException($"{m.Value}: argument {i + 1} is missing");
            long fromS = from.ToUnixTimeSeconds(), toS = to.ToUnixTimeSeconds();
            return m.Groups["name"].Value switch
            {
                "time" => $"{Arg(0)} AS \"time\"",
                "timeEpoch" => $"extract(epoch from {Arg(0)}) AS \"time\"",
                "timeFilter" => $"{Arg(0)} BETWEEN {Timestamp(from)} AND {Timestamp(to)}",
                "timeFrom" => Timestamp(from),
                "timeTo" => Timestamp(to),
                "timeGroup" => $"floor(extract(epoch from {Arg(0)})/{Seconds(Arg(1))})*{Seconds(Arg(1))}",
                "timeGroupAlias" => $"floor(extract(epoch from {Arg(0)})/{Seconds(Arg(1))})*{Seconds(Arg(1))} AS \"time\"",
                "unixEpochFilter" => $"{Arg(0)} >= {fromS} AND {Arg(0)} <= {toS}",
                "unixEpochFrom" => fromS.ToString(CultureInfo.InvariantCulture),
                "unixEpochTo" => toS.ToString(CultureInfo.InvariantCulture),
                "unixEpochNanoFilter" => $"{Arg(0)} >= {fromS}000000000 AND {Arg(0)} <= {toS}000000000",
                "unixEpochNanoFrom" => $"{fromS}000000000",
                "unixEpochNanoTo" => $"{toS}000000000",
                "unixEpochGroup" => $"floor({Arg(0)}/{Seconds(Arg(1))})*{Seconds(Arg(1))}",
                "unixEpochGroupAlias" => $"floor({Arg(0)}/{Seconds(Arg(1))})*{Seconds(Arg(1))} AS \"time\"",
                var other => throw new InvalidOperationException($"unknown Grafana SQL macro $__{other}(...)"),
            };
        });

    private static string Timestamp(DateTimeOffset t) => $"'{t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}'";

    /// <summary>An interval such as 5m, 1h, 30s, 1d (Grafana's units) in seconds.</summary>
    private static long Seconds(string interval)
    {
        var m = IntervalText().Match(interval.Trim('\'', ' '));
        if (!m.Success) throw new InvalidOperationException($"interval '{interval}' is not a number followed by s, m, h or d");
        long n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return n * m.Groups[2].Value switch { "s" => 1, "m" => 60, "h" => 3600, _ => 86400 };
    }

    [GeneratedRegex(@"\$__(?<name>\w+)\((?<args>[^)]*)\)")]
    private static partial Regex Macro();

    [GeneratedRegex(@"\$__(from|to)\b")]
    private static partial Regex GlobalTime();

    [GeneratedRegex(@"\$\w+|\$\{[^}]*\}|\[\[\w+\]\]")]
    private static partial Regex LeftOver();

    [GeneratedRegex(@"^(\d+)(s|m|h|d)$")]
    private static partial Regex IntervalText();
}

/// <summary>A template variable's value(s), formatted as Grafana's PostgreSQL data source interpolates them.</summary>
internal sealed record VariableValue(IReadOnlyList<string> Values, bool Quoted)
{
    public string Format() => Quoted ? string.Join(',', Values.Select(v => "'" + v.Replace("'", "''", StringComparison.Ordinal) + "'")) : Values[0];
}
