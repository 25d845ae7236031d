using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Backends;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench sweep`: expands a plan into cases and runs them through the orchestrator: an in-process silo with a SQLite file and
/// this machine's best accelerator by default, or a running cluster with --cluster. Prints live progress, a summary and the sweep id.
/// </summary>
public sealed class SweepCommand(IAnsiConsole console) : AsyncCommand<SweepSettings>
{
    /// <summary>The id the new sweep gets instead of a fresh one: `schedule run-now` records it before the sweep starts.</summary>
    internal string? FixedSweepId { get; init; }

    public override async Task<int> ExecuteAsync(CommandContext context, SweepSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Action is not null)
        {
            if (settings.Action is not ("resume" or "watch") || string.IsNullOrWhiteSpace(settings.SweepId))
            {
                console.MarkupLine(settings.Action is not ("resume" or "watch")
                    ? $"[red]error:[/] sweep '{Markup.Escape(settings.Action)}': the actions are resume and watch (hyperbench sweep resume|watch SWEEP_ID)."
                    : $"[red]error:[/] sweep {settings.Action}: which sweep? (hyperbench sweep {settings.Action} SWEEP_ID; `hyperbench results` lists them)");
                return ExitCodes.InvalidInput;
            }
            if (settings.Action == "watch") return await SweepWatch.RunAsync(console, settings.SweepId, settings.Db, settings.Cluster, cancellationToken);
            return await SweepResume.RunAsync(console, settings.SweepId, settings.Db, settings.Device, settings.Cluster, cancellationToken);
        }

        SweepPlan plan;
        PlanPreset? preset;
        IReadOnlyList<string> devices;
        string db;
        try
        {
            devices = settings.Cluster is null ? DeviceCheck.ResolveLocal(settings.Device) : DeviceSelection.Parse(settings.Device);
            bool gpu = devices.Any(IsCuda);
            if (SweepPlanSource.FromElsewhere(settings))
            {
                preset = null;
                plan = await SweepPlanSource.LoadAsync(settings, cancellationToken);
            }
            else
            {
                var options = settings.ToPlanOptions(gpu);
                preset = options.Preset;
                plan = PlanBuilder.Build(options);
            }
            if (settings.DeviceModel is not null || settings.Fingerprint is not null)
                plan = plan with { DeviceModel = settings.DeviceModel ?? plan.DeviceModel, Fingerprint = settings.Fingerprint?.ToLowerInvariant() ?? plan.Fingerprint };
            plan.Validate();
            if (settings.Cluster is null) PlanBuilder.RequireDtypes(plan.Grid, devices);
            if (settings.Cluster is not null && !devices.Any(d => DeviceSpec.Parse(d).IsAuto))
                plan = plan with { Devices = [.. devices] };
            (db, string dbName) = CliConfiguration.Db(settings.Db);
            StoreOpener.CheckWritable(db, dbName); // names a malformed or unusable database before anything is created
            if (settings.Detach && settings.Cluster is null) throw new PlanException("--detach needs --cluster: the in-process silo stops when this command ends.");
            OutputPath.CheckFile("--save-plan", settings.SavePlan);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        var cases = plan.ExpandCases();
        if (settings.DryRun)
        {
            if (settings.SavePlan is not null && !TrySave(settings.SavePlan, plan)) return ExitCodes.InvalidInput;
            console.MarkupLine($"[bold]HyperBench sweep[/] (dry run): {cases.Count} cases ({Markup.Escape(plan.ToString())}), " +
                $"min {plan.Measurement.MinSamples} samples / {plan.Measurement.BudgetSeconds} s per case; nothing run, nothing stored" +
                (settings.SavePlan is null ? "" : $"; plan written to [blue]{Markup.Escape(settings.SavePlan)}[/]"));
            return ExitCodes.Ok;
        }
        string sweepId = FixedSweepId ?? EmbeddedCluster.NewSweepId();
        // The id is printed once the sweep is stored: one printed earlier may name a sweep that never existed (no silo, a signal).
        console.MarkupLine($"[bold]HyperBench sweep[/]: {cases.Count} cases ({Markup.Escape(plan.ToString())}), " +
            $"min {plan.Measurement.MinSamples} samples / {plan.Measurement.BudgetSeconds} s per case");
        if (settings.Cluster is null)
        {
            console.MarkupLine($"in-process silo on {Markup.Escape(string.Join(", ", devices))}; results to [blue]{Markup.Escape(SweepStoreFactory.Redact(db))}[/]");
            if (settings.N is null && settings.Preset is null && !SweepPlanSource.FromElsewhere(settings) && !devices.Any(IsCuda))
            {
                console.MarkupLine($"[yellow]No CUDA device: running the reduced CPU plan (n = {PlanDefaults.CpuSeqLens}, heads {string.Join(',', plan.Grid.Heads)}; " +
                    $"about a minute on 2 cores). The GPU default is n = {PlanDefaults.GpuSeqLens}: pass --n to choose.[/]");
            }
        }
        else
        {
            console.MarkupLine($"submitting to the cluster at {Markup.Escape(SweepStoreFactory.Redact(settings.Cluster))}");
        }

        using var interrupt = new Interrupt(cancellationToken);
        var (opened, openExit) = await SweepTarget.OpenAsync(console, settings.Cluster, settings.Db, db, settings.Device, [sweepId], interrupt,
            "before the sweep was stored: nothing to resume.");
        if (opened is not { } target) return openExit;

        await using (target)
        {
            if (settings.Cluster is not null && settings.N is null && settings.Preset is null && !SweepPlanSource.FromElsewhere(settings))
            {
                // The default lengths follow the cluster's devices, not this machine's: the full grid when it has a GPU.
                var registered = await target.Client.GetGrain<IDeviceRegistryGrain>(0).ListAsync();
                if (registered.Any(d => !d.Gone && d.Spec.Kind == DeviceKind.Cuda && d.Matches(plan.Devices)))
                {
                    plan = PlanBuilder.Build(settings.ToPlanOptions(gpu: true)) with { Devices = plan.Devices };
                    console.MarkupLine($"the cluster has CUDA devices: default n = {PlanDefaults.GpuSeqLens} ({plan.Grid.Expand().Count} cases)");
                }
            }
            if (settings.SavePlan is not null)
            {
                // The plan as submitted (after the cluster's defaults): running the file gives these cases again.
                if (!TrySave(settings.SavePlan, plan)) return ExitCodes.InvalidInput;
                console.MarkupLine($"plan written to [blue]{Markup.Escape(settings.SavePlan)}[/] (`hyperbench sweep --plan {Markup.Escape(settings.SavePlan)}` runs it again)");
            }
            if (plan.DeviceModel is not null || plan.Fingerprint is not null)
            {
                // Placement by hardware: a sweep no registered device may run waits for one (a cluster may grow); the in-process silo never will.
                var present = await target.Client.GetGrain<IDeviceRegistryGrain>(0).ListAsync();
                if (!present.Any(d => !d.Gone && d.Matches(plan)))
                {
                    string wanted = (plan.DeviceModel is null ? "" : $"model '{plan.DeviceModel}'") + (plan.DeviceModel is not null && plan.Fingerprint is not null ? ", " : "") +
                        (plan.Fingerprint is null ? "" : $"fingerprint {plan.Fingerprint}*");
                    string have = present.Length == 0 ? "none" : string.Join(", ", present.Select(d => $"{d.DeviceKey} ({d.ModelName}, {d.Fingerprint?[..Math.Min(12, d.Fingerprint.Length)]})"));
                    if (target.Embedded)
                    {
                        console.MarkupLine($"[red]error:[/] {Markup.Escape($"no device here has {wanted}; devices: {have}. Nothing stored.")}");
                        return ExitCodes.InvalidInput;
                    }
                    console.MarkupLine($"[yellow]warning:[/] {Markup.Escape($"no device of the cluster has {wanted} (devices: {have}); the sweep waits until one joins.")}");
                }
            }
            var sweep = target.Client.GetGrain<ISweepGrain>(sweepId);
            try
            {
                // A retried submission of the same plan is harmless: the grain answers for the sweep it stored.
                await ClusterRetry.CallAsync(() => sweep.StartAsync(plan), cancellationToken: interrupt.Token);
            }
            catch (ArgumentException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
                return ExitCodes.InvalidInput;
            }
            catch (OperationCanceledException) when (interrupt.Signalled)
            {
                // The grain may have stored it meanwhile: say which id to look for.
                console.MarkupLine($"[yellow]interrupted[/] while submitting sweep [blue]{sweepId}[/]; `hyperbench results` shows whether it was stored.");
                return ExitCodes.Interrupted;
            }
            console.MarkupLine($"sweep [blue]{sweepId}[/] stored");
            if (settings.Detach)
            {
                console.MarkupLine($"submitted; follow it with `hyperbench results {sweepId}`");
                return ExitCodes.Ok;
            }
            int exit = await SweepMonitor.FollowAsync(console, target, sweepId, interrupt.Token, preset is null ? null : (preset, plan.Grid));
            return exit == ExitCodes.Interrupted ? exit : await SweepMonitor.FollowNoiseGateAsync(console, target, sweepId, exit, interrupt.Token);
        }
    }

    private bool TrySave(string path, SweepPlan plan)
    {
        try
        {
            SweepPlanSource.Save(path, plan);
            return true;
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return false;
        }
    }

    private static bool IsCuda(string device) => device != DeviceSelection.None && DeviceSpec.Parse(device).Kind == DeviceKind.Cuda;
}
