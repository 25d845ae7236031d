using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench sweep resume ID`: finishes an unfinished sweep from its stored state (finished cases are kept, stale leases re-issued).</summary>
public sealed class SweepResumeCommand(IAnsiConsole console) : AsyncCommand<SweepResumeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SweepResumeSettings settings, CancellationToken cancellationToken)
    {
        string db;
        try
        {
            db = DbLocation.Resolve(settings.Db);
            if (settings.Cluster is null)
            {
                _ = DeviceSelection.Parse(settings.Device);
                await using var store = await StoreOpener.OpenExistingAsync(db, cancellationToken);
                var row = await store.GetSweepAsync(settings.SweepId, cancellationToken)
                    ?? throw new PlanException($"sweep '{settings.SweepId}' is not in {store.Description} (`hyperbench results` lists the stored sweeps).");
                if (row.Status != "running")
                    throw new PlanException($"sweep '{settings.SweepId}' is {row.Status}: there is nothing to resume.");
            }
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        SweepTarget target;
        try
        {
            target = settings.Cluster is null
                ? await SweepTarget.StartEmbeddedAsync(db, settings.Device, cancellationToken)
                : await SweepTarget.ConnectAsync(settings.Cluster, settings.Db, cancellationToken);
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        await using (target)
        {
            var status = await target.Client.GetGrain<ISweepGrain>(settings.SweepId).ResumeAsync();
            if (status.Status == "unknown")
            {
                console.MarkupLine($"[red]error:[/] the cluster does not know sweep '{Markup.Escape(settings.SweepId)}'.");
                return ExitCodes.InvalidInput;
            }
            console.MarkupLine($"resuming sweep [blue]{Markup.Escape(settings.SweepId)}[/]: {status.Done} done, {status.Failed} failed, {status.Remaining} to go" +
                (settings.Cluster is null ? $"; results in {Markup.Escape(SweepStoreFactory.Redact(db))}" : ""));
            return await SweepMonitor.FollowAsync(console, target, settings.SweepId, cancellationToken);
        }
    }
}
