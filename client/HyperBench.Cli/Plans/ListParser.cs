using System.Globalization;

namespace HyperBench.Cli.Plans;

/// <summary>Parses the comma-separated lists of plan options (--n 4k,8k,131072) with errors that name the option and the value.</summary>
public static class ListParser
{
    public static IReadOnlyList<int> Integers(string option, string? text, int min, int max = int.MaxValue)
    {
        var values = new List<int>();
        foreach (var item in Split(option, text))
        {
            if (!TryParseSize(item, out long value))
                throw new PlanException($"{option}: '{item}' is not an integer (examples: 4096, 4k, 128k).");
            if (value < min || value > max)
                throw new PlanException($"{option}: {item} is out of range; it must be between {min} and {max}.");
            if (!values.Contains((int)value)) values.Add((int)value);
        }
        return values;
    }

    public static IReadOnlyList<bool> Causal(string? text)
    {
        var values = new List<bool>();
        foreach (var item in Split("--causal", text))
        {
            switch (item.ToLowerInvariant())
            {
                case "both": values.AddRange([false, true]); break;
                case "true" or "yes" or "causal" or "1": values.Add(true); break;
                case "false" or "no" or "full" or "0": values.Add(false); break;
                default: throw new PlanException($"--causal: '{item}' is not valid; use true, false or both.");
            }
        }
        return values.Distinct().ToList();
    }

    public static IReadOnlyList<T> Names<T>(string option, string? text, IReadOnlyDictionary<string, T> known)
    {
        var values = new List<T>();
        foreach (var item in Split(option, text))
        {
            if (!known.TryGetValue(item.ToLowerInvariant(), out var value))
                throw new PlanException($"{option}: '{item}' is not valid; use one of: {string.Join(", ", known.Keys)}.");
            if (!values.Contains(value)) values.Add(value);
        }
        return values;
    }

    /// <summary>Each item through <paramref name="parse"/> (the vocabulary's own parser); its ArgumentException names the option.</summary>
    public static IReadOnlyList<T> Parsed<T>(string option, string? text, Func<string, T> parse)
    {
        var values = new List<T>();
        foreach (var item in Split(option, text))
        {
            T value;
            try
            {
                value = parse(item);
            }
            catch (ArgumentException ex)
            {
                throw new PlanException($"{option}: {ErrorText.For(ex)}");
            }
            if (!values.Contains(value)) values.Add(value);
        }
        return values;
    }

    /// <summary>Lower-cased, duplicates dropped; which words are valid is the plan's check, not the parser's.</summary>
    public static IReadOnlyList<string> Words(string option, string? text) =>
        Split(option, text).Select(s => s.ToLowerInvariant()).Distinct().ToList();

    private static IEnumerable<string> Split(string option, string? text)
    {
        var items = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new PlanException($"{option}: no value given.");
        return items;
    }

    /// <summary>Accepts 4096, 4k (= 4096), 128K (= 131072).</summary>
    private static bool TryParseSize(string item, out long value)
    {
        long multiplier = 1;
        var digits = item;
        if (item.EndsWith('k') || item.EndsWith('K'))
        {
            multiplier = 1024;
            digits = item[..^1];
        }
        if (long.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) && parsed <= int.MaxValue / multiplier && parsed >= int.MinValue / multiplier)
        {
            value = parsed * multiplier;
            return true;
        }
        value = 0;
        return false;
    }
}
