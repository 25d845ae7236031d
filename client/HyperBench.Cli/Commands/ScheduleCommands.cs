using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench schedule add --name NAME --cron CRON --plan FILE [--baseline SPEC]` (docs/schedules.md): stores a schedule. Exit 2 for
/// an invalid cron, a plan file that cannot be read, a bad baseline or a name in use (nothing stored); 3 database unreachable.
/// </summary>
public sealed class ScheduleAddCommand(IAnsiConsole console) : AsyncCommand<ScheduleAddSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScheduleAddSettings settings, CancellationToken cancellationToken)
    {
        ScheduleRow row;
        string db;
        try
        {
            string name = (settings.Name ?? "").Trim();
            if (name.Length == 0) throw new PlanException("--name: give the schedule a name (schedule add --name nightly ...).");
            if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
                throw new PlanException($"--name: '{settings.Name}' has blanks or control characters; use letters, digits, '-', '_' or '.'.");
            if (settings.Cron is null) throw new PlanException("--cron: when should it run? (five fields, UTC: \"0 2 * * *\")");
            ScheduleCron.Parse(settings.Cron);
            if (settings.Plan is null) throw new PlanException("--plan: which plan file? (`sweep --save-plan FILE --dry-run` writes one)");
            SweepPlan plan;
            try
            {
                plan = PlanFile.Read(settings.Plan);
            }
            catch (InvalidDataException ex)
            {
                throw new PlanException($"--plan: {ex.Message}");
            }
            string? baseline = string.IsNullOrWhiteSpace(settings.Baseline) ? null : settings.Baseline.Trim();
            if (baseline is not null && baseline.StartsWith(SweepReference.SchedulePrefix, StringComparison.Ordinal))
                throw new PlanException($"--baseline: '{baseline}': a schedule's baseline is a sweep id or tag:NAME (its own previous run is the default).");
            (db, string dbName) = CliConfiguration.Db(settings.Db);
            StoreOpener.CheckWritable(db, dbName);
            row = new ScheduleRow(name, settings.Cron.Trim(), PlanFile.Serialize(plan), baseline, DateTime.UtcNow, CliConfiguration.ServiceId());
            await using var writer = StoreOpener.OpenWriter(db);
            await writer.MigrateAsync(cancellationToken);
            if (baseline is not null && !baseline.StartsWith(SweepReference.TagPrefix, StringComparison.Ordinal)
                && await writer.GetSweepAsync(baseline, cancellationToken) is null)
                throw new PlanException($"--baseline: sweep '{baseline}' is not in {writer.Description} (`hyperbench results` lists the stored sweeps).");
            if (!await writer.AddScheduleAsync(row, cancellationToken))
                throw new PlanException($"--name: a schedule named '{name}' exists already in {writer.Description} (`hyperbench schedule remove {name}` first).");
        }
        catch (Exception ex) when (ex is PlanException or RegressionInputException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
        console.MarkupLine($"schedule [bold]{Markup.Escape(row.Name)}[/] added: {Markup.Escape(row.Cron)} (UTC)" +
            (row.Baseline is null ? "" : $", compared with {Markup.Escape(row.Baseline)}"));
        return ExitCodes.Ok;
    }
}

/// <summary>`hyperbench schedule list`: every schedule with its cron, next due time, baseline and last run.</summary>
public sealed class ScheduleListCommand(IAnsiConsole console) : AsyncCommand<ScheduleListSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScheduleListSettings settings, CancellationToken cancellationToken)
    {
        var table = new Table().AddColumns("name", "cron (UTC)", "next due", "baseline", "last run", "status");
        try
        {
            await using var store = await ScheduleStores.OpenAsync(settings.Db, cancellationToken);
            var schedules = (IScheduleStore)store;
            foreach (var s in await schedules.ListSchedulesAsync(cancellationToken))
            {
                var lastRuns = await schedules.ListScheduleRunsAsync(s.Name, 1, cancellationToken);
                var last = lastRuns.Count > 0 ? lastRuns[0] : null;
                var next = ScheduleCron.Parse(s.Cron).GetNextOccurrence(DateTime.UtcNow);
                table.AddRow(Markup.Escape(s.Name), Markup.Escape(s.Cron), next?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-",
                    Markup.Escape(s.Baseline ?? "previous run"), Markup.Escape(last?.SweepId ?? "-"), Markup.Escape(last?.Status ?? "-"));
            }
        }
        catch (Exception ex) when (ex is PlanException or RegressionInputException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
        if (table.Rows.Count == 0) console.MarkupLine("no schedules (`hyperbench schedule add` adds one)");
        else console.Write(table);
        return ExitCodes.Ok;
    }
}

/// <summary>`hyperbench schedule remove NAME`: removes the schedule; its runs, sweeps and verdicts stay. Exit 2 for an unknown name.</summary>
public sealed class ScheduleRemoveCommand(IAnsiConsole console) : AsyncCommand<ScheduleNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScheduleNameSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            var (db, _) = CliConfiguration.Db(settings.Db);
            await using (var reader = await ScheduleStores.OpenAsync(settings.Db, cancellationToken))
                await ScheduleStores.FindAsync(reader, settings.Name, cancellationToken);
            await using var writer = StoreOpener.OpenWriter(db);
            if (!await writer.RemoveScheduleAsync(settings.Name, cancellationToken))
                throw new PlanException($"schedule '{settings.Name}' was removed meanwhile.");
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        console.MarkupLine($"schedule [bold]{Markup.Escape(settings.Name)}[/] removed (its runs stay in the history)");
        return ExitCodes.Ok;
    }
}

/// <summary>`hyperbench schedule history NAME`: the schedule's runs, newest first, with their sweeps, status and comparison.</summary>
public sealed class ScheduleHistoryCommand(IAnsiConsole console) : AsyncCommand<ScheduleNameSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScheduleNameSettings settings, CancellationToken cancellationToken)
    {
        IReadOnlyList<ScheduleRunRow> runs;
        try
        {
            await using var store = await ScheduleStores.OpenAsync(settings.Db, cancellationToken);
            var schedules = (IScheduleStore)store;
            runs = await schedules.ListScheduleRunsAsync(settings.Name, 1000, cancellationToken);
            if (runs.Count == 0) await ScheduleStores.FindAsync(store, settings.Name, cancellationToken); // a removed schedule's runs still show
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        if (runs.Count == 0)
        {
            console.MarkupLine($"schedule [bold]{Markup.Escape(settings.Name)}[/] has not run yet");
            return ExitCodes.Ok;
        }
        var table = new Table().AddColumns("due (UTC)", "sweep", "status", "comparison", "detail");
        foreach (var r in runs)
            table.AddRow(r.DueUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), Markup.Escape(r.SweepId ?? "-"), Markup.Escape(r.Status),
                Markup.Escape(r.ComparisonId ?? "-"), Markup.Escape(r.Detail ?? ""));
        console.Write(table);
        return ExitCodes.Ok;
    }
}

/// <summary>
/// `hyperbench schedule run-now NAME`: runs the schedule's plan now as one of its runs (due time = now) on an in-process silo, like
/// `sweep` (or on a running cluster with --cluster, like `sweep --cluster`), then compares it with the schedule's baseline (its previous completed run by default) and stores the verdicts.
/// </summary>
public sealed class ScheduleRunNowCommand(IAnsiConsole console) : AsyncCommand<ScheduleRunNowSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScheduleRunNowSettings settings, CancellationToken cancellationToken)
    {
        ScheduleRow schedule;
        string db, planFile;
        try
        {
            (db, _) = CliConfiguration.Db(settings.Db);
            await using (var reader = await ScheduleStores.OpenAsync(settings.Db, cancellationToken))
                schedule = await ScheduleStores.FindAsync(reader, settings.Name, cancellationToken);
            var plan = PlanFile.Parse(schedule.PlanJson, $"schedule {schedule.Name}");
            // A bad --device is refused before the run is recorded (a cluster's devices are its own: `sweep --cluster` checks what it can).
            if (settings.Cluster is null) PlanBuilder.RequireDtypes(plan.Grid, DeviceCheck.ResolveLocal(settings.Device));
            planFile = Path.Combine(Directory.CreateTempSubdirectory("hyperbench-schedule-").FullName, "plan.json");
            File.WriteAllText(planFile, PlanFile.Serialize(plan));
        }
        catch (Exception ex) when (ex is PlanException or InvalidDataException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        string sweepId = EmbeddedCluster.NewSweepId();
        var due = DateTime.UtcNow;
        await using var writer = StoreOpener.OpenWriter(db);
        if (!await writer.TryClaimRunAsync(schedule.Name, due, sweepId, due, cancellationToken))
        {
            console.MarkupLine($"[red]error:[/] schedule '{Markup.Escape(schedule.Name)}' already has a run due at {due:O}.");
            return ExitCodes.InvalidInput;
        }
        console.MarkupLine($"schedule [bold]{Markup.Escape(schedule.Name)}[/]: run due {due:yyyy-MM-dd HH:mm:ss} UTC as sweep [blue]{sweepId}[/]");
        int exit;
        try
        {
            exit = await new SweepCommand(console) { FixedSweepId = sweepId }
                .ExecuteAsync(context, new SweepSettings { Plan = planFile, Db = settings.Db, Device = settings.Device, Cluster = settings.Cluster }, cancellationToken);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(planFile)!, recursive: true);
        }
        var sweep = await writer.GetSweepAsync(sweepId, cancellationToken);
        if (exit is not (ExitCodes.Ok or ExitCodes.CaseFailed) || sweep is null)
        {
            await writer.FinishRunAsync(schedule.Name, due, ScheduleRunStatus.Failed, null, $"sweep exited {exit}", CancellationToken.None);
            return exit == ExitCodes.Ok ? ExitCodes.CaseFailed : exit;
        }
        var (comparison, detail) = await ScheduledComparison.CompareAndStoreAsync(writer, writer, writer, schedule, due, sweepId, DateTime.UtcNow, cancellationToken);
        await writer.FinishRunAsync(schedule.Name, due, ScheduleRunStatus.Completed, comparison?.ComparisonId, detail, cancellationToken);
        console.MarkupLine(comparison is null
            ? $"not compared: {Markup.Escape(detail)}"
            : $"compared [blue]{comparison.ComparisonId}[/] {Markup.Escape(detail)}");
        if (comparison is not null) ComparisonReport.Write(console, comparison);
        return comparison?.Regressed == true ? ExitCodes.Regressed : exit;
    }
}

/// <summary>Opening the results database for the schedule verbs: read-only, and an error when schedules are not set up in it.</summary>
internal static class ScheduleStores
{
    public static async Task<ISweepStore> OpenAsync(string? dbOption, CancellationToken cancellationToken) =>
        await StoreOpener.OpenExistingAsync(dbOption, cancellationToken);

    /// <summary>The schedule, or a <see cref="PlanException"/> naming it and the database.</summary>
    public static async Task<ScheduleRow> FindAsync(ISweepStore store, string name, CancellationToken cancellationToken)
    {
        if (store is not IScheduleStore schedules || await ((IRegressionStore)store).GetScheduleRunsAsync(name, 1, cancellationToken) is null)
            throw new PlanException($"schedule '{name}' is not in {store.Description}: schedules are not set up there (`hyperbench schedule add` sets them up).");
        return await schedules.GetScheduleAsync(name, cancellationToken)
            ?? throw new PlanException($"schedule '{name}' is not in {store.Description} (`hyperbench schedule list` lists the schedules).");
    }
}
