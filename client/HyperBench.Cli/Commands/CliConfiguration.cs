using HyperBench.Cli.Plans;
using HyperBench.Hosting;
using Microsoft.Extensions.Configuration;

namespace HyperBench.Cli.Commands;

/// <summary>
/// The CLI's settings: the silo's keys (section "HyperBench", docs/configuration.md) from appsettings.json next to the executable,
/// then appsettings.json in the working directory, then secret files (HYPERBENCH_SECRETS_DIR, <see cref="HyperBenchSecrets"/>), then
/// HYPERBENCH__* environment variables, each over the one before; a command's
/// own options (--db, --device, --cluster) go over them all. The in-process silo and the cluster client bind the result through
/// the same <see cref="HyperBenchSettings"/> as a standalone silo.
/// </summary>
internal static class CliConfiguration
{
    private const string DbKey = HyperBenchSettings.Section + ":" + nameof(HyperBenchSiloOptions.Db);

    /// <param name="overrides">The command's options as keys ("HyperBench:Db" = ...): over every other source.</param>
    /// <exception cref="PlanException">An appsettings.json is not valid JSON (names the file).</exception>
    public static IConfiguration Build(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = new ConfigurationBuilder();
        foreach (string path in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory }
                     .Select(d => Path.GetFullPath(Path.Combine(d, "appsettings.json"))).Distinct(StringComparer.Ordinal))
            builder.AddJsonFile(path, optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables();
        builder.AddHyperBenchSecrets(); // secret files: over appsettings.json, under the environment
        if (overrides is not null) builder.AddInMemoryCollection(overrides);
        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            throw new PlanException($"{ex.Message.TrimEnd('.')}: not valid JSON ({ex.InnerException?.Message ?? ex.Message}).");
        }
    }

    /// <summary>
    /// Where results are: --db when given, else HyperBench:Db, else <see cref="HyperBenchSiloOptions.DefaultDb"/> (a silo's default
    /// too), with the name to put in a message about it.
    /// </summary>
    public static (string Value, string Name) Db(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return (option, "--db");
        string? configured = Build()[DbKey];
        return string.IsNullOrWhiteSpace(configured) ? (HyperBenchSiloOptions.DefaultDb, DbKey) : (configured, DbKey);
    }

    /// <summary>
    /// HyperBench:ServiceId, else the default: the service a schedule added here belongs to (only that service's scheduler fires it,
    /// docs/security.md).
    /// </summary>
    public static string ServiceId() =>
        Build()[HyperBenchSettings.Section + ":" + nameof(HyperBenchSiloOptions.ServiceId)] is { Length: > 0 } id && !string.IsNullOrWhiteSpace(id)
            ? id
            : Storage.SweepRow.DefaultServiceId;

    /// <summary>The settings for an in-process silo: <paramref name="db"/> and <paramref name="devices"/> as the command resolved them.</summary>
    public static IConfiguration ForEmbeddedSilo(string db, string devices) => Build(new Dictionary<string, string?>
    {
        [DbKey] = db,
        [HyperBenchSettings.Section + ":" + nameof(DeviceWorkerOptions.Devices)] = devices,
    });
}
