using System.Reflection;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// The value type behind an option, from the settings classes' [CommandOption] attributes: a conversion error of an option whose
/// property is nullable (given or not, docs/plans.md) names only "Nullable`1"; this says what the option takes.
/// </summary>
public static class OptionTypes
{
    private static readonly Lazy<Dictionary<string, Type>> ByName = new(() =>
    {
        var map = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var settings in typeof(OptionTypes).Assembly.GetTypes().Where(t => typeof(CommandSettings).IsAssignableFrom(t)))
        {
            foreach (var property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option) continue;
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                foreach (string name in option.LongNames) map.TryAdd("--" + name, type);
                foreach (string name in option.ShortNames) map.TryAdd("-" + name, type);
            }
        }
        return map;
    });

    /// <summary>The value type of <paramref name="option"/> as typed (--budget, -n, --n), or null when no settings class has it.</summary>
    public static Type? Of(string option) => ByName.Value.GetValueOrDefault(OptionAliases.Expand([option])[0]);
}
