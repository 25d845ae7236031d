using System.Text.RegularExpressions;

namespace HyperBench.Cli.Plans;

/// <summary>
/// The parser says "Failed to convert 'abc' to Int32."; a user wants to know which option and what it takes. Finds the option
/// the value followed on the command line.
/// </summary>
internal static partial class ParseErrorText
{
    /// <param name="optionType">The value type behind an option as typed: what a nullable option's message ("Nullable`1") leaves out.</param>
    public static string For(string message, IReadOnlyList<string> args, Func<string, Type?>? optionType = null)
    {
        var m = Conversion().Match(message);
        if (!m.Success) return message;
        string value = m.Groups[1].Value;
        string? option = null;
        for (int i = 0; i < args.Count && option is null; i++)
        {
            if (i + 1 < args.Count && args[i + 1] == value && args[i].StartsWith('-')) option = args[i];
            else if (args[i].StartsWith('-') && args[i].EndsWith("=" + value, StringComparison.Ordinal)) option = args[i][..args[i].IndexOf('=', StringComparison.Ordinal)];
        }
        string typeName = m.Groups[2].Value;
        if (typeName.StartsWith("Nullable", StringComparison.Ordinal) && option is not null && optionType?.Invoke(option) is { } type) typeName = type.Name;
        string kind = typeName switch
        {
            "Int32" or "Int64" => "an integer",
            "UInt64" or "UInt32" => "a non-negative integer",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            "Nullable`1" => "a valid value",
            var t => "a " + t,
        };
        return option is null ? $"'{value}' is not {kind}." : $"{option}: '{value}' is not {kind}.";
    }

    [GeneratedRegex(@"Failed to convert '(.*)' to ([\w`]+)\.")]
    private static partial Regex Conversion();
}
