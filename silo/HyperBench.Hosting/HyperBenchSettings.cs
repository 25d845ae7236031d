using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>
/// The one path from configuration to HyperBench's options, for the standalone silo, the CLI's in-process silo and its cluster
/// client: section "HyperBench" bound into <see cref="HyperBenchSiloOptions"/> and <see cref="DeviceWorkerOptions"/>, each checked by
/// its validator; every failure names the key and the value (docs/configuration.md lists the keys).
/// </summary>
public static partial class HyperBenchSettings
{
    public const string Section = "HyperBench";

    /// <summary>Registers both options, bound from <paramref name="configuration"/> and validated on first use and at start. Idempotent.</summary>
    public static IServiceCollection AddHyperBenchOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HyperBenchSiloOptions>, HyperBenchSiloOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DeviceWorkerOptions>, DeviceWorkerOptionsValidator>());
        if (services.Any(d => d.ServiceType == typeof(BoundFrom))) return services;
        services.AddSingleton(new BoundFrom(configuration));
        services.AddOptions<HyperBenchSiloOptions>().Configure(o => Bind(configuration, o)).ValidateOnStart();
        services.AddOptions<DeviceWorkerOptions>().Configure(o => Bind(configuration, o)).ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Binds and validates both options now, through the very registrations of <see cref="AddHyperBenchOptions"/>: for what must be
    /// known while a host is configured (clustering, ports), and so that a bad setting stops a host before any of its services exists.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid; the message names the key and value of every bad one.</exception>
    public static (HyperBenchSiloOptions Silo, DeviceWorkerOptions Workers) Read(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddHyperBenchOptions(configuration);
        using var provider = services.BuildServiceProvider();
        var failures = new List<string>();
        var silo = Value<HyperBenchSiloOptions>(provider, failures);
        var workers = Value<DeviceWorkerOptions>(provider, failures);
        if (failures.Count > 0) throw new OptionsValidationException(Options.DefaultName, typeof(HyperBenchSiloOptions), failures);
        return (silo!, workers!);
    }

    /// <summary>The options' data annotations ([Range], [Required]) as failures naming the key and the value.</summary>
    internal static IEnumerable<string> AnnotationFailures(object options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (string member in result.MemberNames)
            {
                object? value = options.GetType().GetProperty(member)?.GetValue(options);
                yield return $"{Section}:{member} = '{Convert.ToString(value, CultureInfo.InvariantCulture)}': {result.ErrorMessage}";
            }
        }
    }

    private static void Bind<T>(IConfiguration configuration, T options) where T : class
    {
        try
        {
            configuration.GetSection(Section).Bind(options);
        }
        catch (InvalidOperationException ex) when (ConversionKey().Match(ex.Message) is { Success: true } m)
        {
            // The binder names the key and the type but not the value the user gave.
            string key = m.Groups[1].Value;
            throw new OptionsValidationException(Options.DefaultName, typeof(T),
                [$"{key} = '{configuration[key]}' is not a valid {m.Groups[2].Value.Replace("System.", "", StringComparison.Ordinal)}."]);
        }
    }

    private static T? Value<T>(IServiceProvider provider, List<string> failures) where T : class
    {
        try
        {
            return provider.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
            return null;
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"configuration value (?:'[^']*' )?at '([^']+)' to type '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionKey();

    /// <summary>Marks a service collection whose options are registered (and from which configuration).</summary>
    private sealed record BoundFrom(IConfiguration Configuration);
}
