using System.ComponentModel;
using System.Globalization;
using HyperBench.Contracts;
using HyperBench.Cli.Plans;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class SweepSettings : PlanSettings
{
    [CommandArgument(0, "[ACTION]")]
    [Description("Empty to run a new sweep; `resume SWEEP_ID` to finish an unfinished one from its stored state (plan options are then ignored: the stored plan is used).")]
    public string? Action { get; init; }

    [CommandArgument(1, "[SWEEP_ID]")]
    [Description("With resume: the sweep to finish (`hyperbench results` lists sweeps and their status).")]
    public string? SweepId { get; init; }

    [CommandOption("--db <DB>")]
    [Description("Where results are stored: a SQLite file path, or a PostgreSQL connection string (Host=...;Database=...) or postgres:// URI. " +
        "Also from HYPERBENCH__DB or HyperBench:Db in appsettings.json (docs/configuration.md). [grey](default: " + Hosting.HyperBenchSiloOptions.DefaultDb + ")[/]")]
    public string? Db { get; init; }

    [CommandOption("--tag <TEXT>")]
    [Description("A label stored with the sweep (e.g. a branch or an experiment name).")]
    public string? Tag { get; init; }

    [CommandOption("--cluster <ADDRESS>")]
    [Description("Submit to a running cluster instead of the in-process silo: localhost:<gateway port> (silos on this machine), or the " +
        "PostgreSQL connection string of the cluster's ADO.NET membership table. Results are read back from --db.")]
    public string? Cluster { get; init; }

    [CommandOption("--max-attempts <N>")]
    [Description("Leases of one case (failed or expired) before it is stored as failed. [grey](default: 3)[/]")]
    public int? MaxAttempts { get; init; }

    [CommandOption("--lease <SECONDS>")]
    [Description("How long a case's lease lives without a heartbeat from its worker (bounds how long a dead worker holds a case). [grey](default: 60)[/]")]
    public double? LeaseSeconds { get; init; }

    [CommandOption("--cv-limit <CV>")]
    [Description("Noise gate: a case whose samples' coefficient of variation is above this is measured again (4x the budget, 2x the min samples) " +
        "in one child sweep, and labelled noisy if it stays above; off disables it; docs/measurement.md. [grey](default: 0.1)[/]")]
    public string? CvLimit { get; init; }

    [CommandOption("--plan <FILE>")]
    [Description("Run the plan in FILE (written by --save-plan; docs/plans.md). Options that change the plan are refused with it; --tag, " +
        "--device, --db, --cluster, --detach, --save-plan and --dry-run go with it.")]
    public string? Plan { get; init; }

    [CommandOption("--from-sweep <SWEEP_ID>")]
    [Description("Run the stored plan of that sweep again, as a new sweep (read from --db). Options that change the plan are refused with it, as with --plan.")]
    public string? FromSweep { get; init; }

    [CommandOption("--save-plan <FILE>")]
    [Description("Write the plan to FILE as JSON (the plan file --plan and schedules read), then run it; with --dry-run only write it.")]
    public string? SavePlan { get; init; }

    [CommandOption("--dry-run")]
    [Description("Build and check the plan and print its cases' count (and write --save-plan), but run and store nothing.")]
    public bool DryRun { get; init; }

    [CommandOption("--device-model <MODEL>")]
    [Description("Only devices of this model run the sweep (the model as `devices` shows it; a glob with * and ?, e.g. \"NVIDIA H*\"). Stored in the plan.")]
    public string? DeviceModel { get; init; }

    [CommandOption("--fingerprint <PREFIX>")]
    [Description("Only devices whose environment fingerprint (the environment_id of their results, `devices` shows it) starts with this hex prefix. Stored in the plan.")]
    public string? Fingerprint { get; init; }

    [CommandOption("--detach")]
    [Description("With --cluster: submit, print the sweep id and return without waiting.")]
    public bool Detach { get; init; }

    /// <summary>The plan options of a sweep: the shared ones with the sweep's defaults, plus scheduling.</summary>
    public PlanOptions ToPlanOptions(bool gpu) => ToPlanOptions(PlanDefaults.Sweep(gpu)) with
    {
        MaxAttempts = MaxAttempts ?? 3,
        LeaseSeconds = LeaseSeconds ?? 60,
        Tag = Tag,
        CvLimit = CvLimit is not null ? ParseCvLimit(CvLimit, "--cv-limit") : ParseCvLimit(CliConfiguration.Build()[CvLimitKey], CvLimitKey),
    };

    /// <summary>
    /// The plan options typed on the command line, by option name: what --plan and --from-sweep refuse (the file or the stored
    /// sweep is the plan; see docs/plans.md).
    /// </summary>
    public IReadOnlyList<string> GivenPlanOptions()
    {
        // Every option of PlanSettings but --device, and the sweep's own that go into the plan, whose value differs from a fresh
        // settings object's (Spectre.Console.Cli leaves an option that was not typed at its initial value).
        var fresh = new SweepSettings();
        var given = new List<string>();
        foreach (var property in typeof(PlanSettings).GetProperties().Concat(PlanProperties))
        {
            if (property.Name == nameof(Device) || property.GetCustomAttributes(typeof(CommandOptionAttribute), false) is not [CommandOptionAttribute option])
                continue;
            if (!Equals(property.GetValue(this), property.GetValue(fresh))) given.Add("--" + option.LongNames[0]);
        }
        return given;
    }

    private static readonly System.Reflection.PropertyInfo[] PlanProperties =
        [.. new[] { nameof(MaxAttempts), nameof(LeaseSeconds), nameof(CvLimit), nameof(DeviceModel), nameof(Fingerprint) }.Select(n => typeof(SweepSettings).GetProperty(n)!)];

    /// <summary>The setting that changes --cv-limit's default (HYPERBENCH__CvLimit; docs/configuration.md).</summary>
    public const string CvLimitKey = Hosting.HyperBenchSettings.Section + ":CvLimit";

    /// <summary>--cv-limit (or <see cref="CvLimitKey"/>): a number >= 0, or off (no gate); neither given: <see cref="NoiseGate.DefaultCvLimit"/>.</summary>
    /// <exception cref="PlanException">Names <paramref name="name"/> and the value.</exception>
    public static double? ParseCvLimit(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return NoiseGate.DefaultCvLimit;
        string value = text.Trim();
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double limit) && limit >= 0) return limit;
        throw new PlanException($"{name}: '{text}' is not valid; use a coefficient of variation >= 0 (e.g. 0.1 for 10%) or off.");
    }

}
