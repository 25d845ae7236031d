using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench sweep resume ID`: finishes an unfinished sweep from its stored state (finished cases are kept, stale leases re-issued).</summary>
internal static class SweepResume
{
    public static async Task<int> RunAsync(IAnsiConsole console, string sweepId, string? dbOption, string device, string? cluster, CancellationToken cancellationToken)
    {
        string db;
        try
        {
            db = CliConfiguration.Db(dbOption).Value;
            if (cluster is null)
            {
                _ = DeviceCheck.ResolveLocal(device);
                await using var store = await StoreOpener.OpenExistingAsync(dbOption, cancellationToken);
                var row = await StoreOpener.FindSweepAsync(store, sweepId, cancellationToken);
                if (row.Status != SweepStatus.Running)
                    throw new PlanException($"sweep '{sweepId}' is {StatusWords.Word(row.Status)}: there is nothing to resume.");
                // Another cluster's sweep (docs/security.md): its own service resumes it, not this one.
                if (row.ServiceId != CliConfiguration.ServiceId())
                    throw new PlanException($"sweep '{sweepId}' belongs to service '{row.ServiceId}', not to this CLI's HyperBench:ServiceId " +
                        $"'{CliConfiguration.ServiceId()}': resume it with HYPERBENCH__SERVICEID={row.ServiceId}, or from that service's cluster.");
            }
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        using var interrupt = new Interrupt(cancellationToken);
        SweepTarget target;
        try
        {
            target = cluster is null
                ? await SweepTarget.StartEmbeddedAsync(db, device, [sweepId], interrupt.Token)
                : await SweepTarget.ConnectAsync(cluster, dbOption, interrupt.Token);
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException) when (interrupt.Signalled)
        {
            console.MarkupLine($"[yellow]interrupted[/] before the sweep resumed; `hyperbench sweep resume {Markup.Escape(sweepId)}` is still the way on.");
            return ExitCodes.Interrupted;
        }
        await using (target)
        {
            var grain = target.Client.GetGrain<ISweepGrain>(sweepId);
            SweepStatusView status;
            try
            {
                status = await ClusterRetry.CallAsync(grain.ResumeAsync, cancellationToken: interrupt.Token);
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("belongs to service", StringComparison.Ordinal))
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.InvalidInput;
            }
            if (!status.Exists)
            {
                console.MarkupLine($"[red]error:[/] the cluster does not know sweep '{Markup.Escape(sweepId)}'.");
                return ExitCodes.InvalidInput;
            }
            console.MarkupLine($"resuming sweep [blue]{Markup.Escape(sweepId)}[/]: {status.Done} done, {status.Failed} failed, " +
                (status.Skipped > 0 ? $"{status.Skipped} skipped, " : "") + $"{status.Remaining} to go" +
                (status.StillLeased > 0 ? $" ({status.StillLeased} still leased by live devices)" : "") +
                (cluster is null ? $"; results in {Markup.Escape(SweepStoreFactory.Redact(db))}" : ""));
            int exit = await SweepMonitor.FollowAsync(console, target, sweepId, interrupt.Token);
            // A resumed sweep that completes goes through the noise gate like a new one (its in-process silo runs the child too).
            return exit == ExitCodes.Interrupted ? exit : await SweepMonitor.FollowNoiseGateAsync(console, target, sweepId, exit, interrupt.Token);
        }
    }
}
