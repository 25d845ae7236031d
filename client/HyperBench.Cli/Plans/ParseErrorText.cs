using System.Text.RegularExpressions;

namespace HyperBench.Cli.Plans;

/// <summary>
/// The parser says "Failed to convert 'abc' to Int32."; a user wants to know which option and what it takes. Finds the option
/// the value followed on the command line.
/// </summary>
internal static partial class ParseErrorText
{
    public static string For(string message, IReadOnlyList<string> args)
    {
        var m = Conversion().Match(message);
        if (!m.Success) return message;
        string value = m.Groups[1].Value;
        string kind = m.Groups[2].Value switch
        {
            "Int32" or "Int64" => "an integer",
            "UInt64" or "UInt32" => "a non-negative integer",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            var t => "a " + t,
        };
        string? option = null;
        for (int i = 0; i < args.Count && option is null; i++)
        {
            if (i + 1 < args.Count && args[i + 1] == value && args[i].StartsWith('-')) option = args[i];
            else if (args[i].StartsWith('-') && args[i].EndsWith("=" + value, StringComparison.Ordinal)) option = args[i][..args[i].IndexOf('=', StringComparison.Ordinal)];
        }
        return option is null ? $"'{value}' is not {kind}." : $"{option}: '{value}' is not {kind}.";
    }

    [GeneratedRegex(@"Failed to convert '(.*)' to (\w+)\.")]
    private static partial Regex Conversion();
}
