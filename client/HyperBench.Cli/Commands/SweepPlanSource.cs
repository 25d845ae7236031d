using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Storage;

namespace HyperBench.Cli.Commands;

/// <summary>
/// Where `sweep` takes its plan from: a plan file (--plan), a stored sweep (--from-sweep), or the options. A file or a stored sweep
/// is the whole plan: options that would change it are refused (docs/plans.md, "Plan files"), only --tag replaces its tag.
/// </summary>
internal static class SweepPlanSource
{
    /// <summary>True when the plan comes from a file or a stored sweep rather than the options.</summary>
    public static bool FromElsewhere(SweepSettings settings) => settings.Plan is not null || settings.FromSweep is not null;

    /// <summary>The plan of --plan or --from-sweep, with --tag over its own.</summary>
    /// <exception cref="PlanException">Both given, plan options given with them, a bad file, an unknown sweep (each named).</exception>
    /// <exception cref="StorageUnavailableException">--from-sweep's database cannot be reached.</exception>
    public static async Task<SweepPlan> LoadAsync(SweepSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Plan is not null && settings.FromSweep is not null)
            throw new PlanException($"--plan {settings.Plan} and --from-sweep {settings.FromSweep}: give one of them.");
        string source = settings.Plan is not null ? $"--plan {settings.Plan}" : $"--from-sweep {settings.FromSweep}";
        if (settings.GivenPlanOptions() is { Count: > 0 } given)
            throw new PlanException($"{source}: {string.Join(", ", given)} cannot be combined with it: the {(settings.Plan is not null ? "file" : "stored sweep")} " +
                "is the plan (edit the file, or write a new one with --save-plan); --tag, --device, --db, --cluster, --detach, --save-plan and --dry-run go with it.");
        SweepPlan plan;
        if (settings.Plan is not null)
        {
            try
            {
                plan = PlanFile.Read(settings.Plan);
            }
            catch (InvalidDataException ex)
            {
                throw new PlanException($"--plan: {ex.Message}");
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(settings.FromSweep)) throw new PlanException("--from-sweep: which sweep? (`hyperbench results` lists them)");
            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            var row = await StoreOpener.FindSweepAsync(store, settings.FromSweep.Trim(), cancellationToken);
            try
            {
                plan = PlanJson.Deserialize(row.PlanJson);
                plan.Validate();
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentException)
            {
                throw new PlanException($"--from-sweep {row.SweepId}: its stored plan cannot be run again: {ErrorText.For(ex)}");
            }
        }
        return string.IsNullOrWhiteSpace(settings.Tag) ? plan : plan with { Tag = settings.Tag.Trim() };
    }

    /// <summary>Writes --save-plan's file (through a temporary file: a failed write leaves none).</summary>
    /// <exception cref="PlanException">The file cannot be written (names it).</exception>
    public static void Save(string path, SweepPlan plan)
    {
        try
        {
            OutputPath.WriteAllText(path, PlanFile.Serialize(plan));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PlanException($"--save-plan: '{path}' cannot be written ({ex.Message}).");
        }
    }
}
