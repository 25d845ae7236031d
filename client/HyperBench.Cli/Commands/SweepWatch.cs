using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench sweep watch ID`: follows a sweep another process runs, until it finishes, then prints its summary. Read-only: it
/// asks the cluster for the sweep's status (--cluster) or reads the stored case rows (the database, without --cluster); it never
/// resumes, cancels, leases or hands back anything, and Ctrl+C only stops watching.
/// </summary>
internal static class SweepWatch
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How often the status is read: two reads a second cost the database or the sweep grain next to nothing.</summary>
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(IAnsiConsole console, string sweepId, string? dbOption, string? cluster, CancellationToken cancellationToken)
    {
        using var interrupt = new Interrupt(cancellationToken);
        SweepTarget? target = null;
        ISweepStore? store;
        Func<CancellationToken, Task<SweepStatusView>> poll;
        try
        {
            if (cluster is null)
            {
                store = await StoreOpener.OpenExistingAsync(dbOption, interrupt.Token);
                var opened = store;
                _ = await StoreOpener.FindSweepAsync(opened, sweepId, interrupt.Token);
                poll = ct => ReadAsync(opened, sweepId, ct);
            }
            else
            {
                target = await SweepTarget.ConnectAsync(cluster, dbOption, interrupt.Token);
                store = target.Store;
                var grain = target.Client.GetGrain<ISweepGrain>(sweepId);
                poll = ct => ClusterRetry.CallAsync(() => grain.GetStatusAsync().WaitAsync(PollTimeout, ct), cancellationToken: ct);
            }
        }
        catch (PlanException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException) when (interrupt.Signalled)
        {
            return ExitCodes.Interrupted;
        }

        try
        {
            var status = await poll(interrupt.Token);
            if (!status.Exists)
            {
                console.MarkupLine($"[red]error:[/] sweep '{Markup.Escape(sweepId)}' is not known to the cluster (`hyperbench results` lists the stored sweeps).");
                return ExitCodes.InvalidInput;
            }
            console.MarkupLine($"watching sweep [blue]{Markup.Escape(sweepId)}[/] ({status.StatusWord}, {status.Total} cases) " +
                (cluster is null ? $"in {Markup.Escape(store!.Description)}" : $"on the cluster at {Markup.Escape(SweepStoreFactory.Redact(cluster))}") +
                "; read-only, Ctrl+C stops watching only");
            try
            {
                status = console.Profile.Capabilities.Interactive
                    ? await SweepMonitor.ProgressAsync(console, status, poll, Period, interrupt.Token)
                    : await LinesAsync(console, status, poll, interrupt.Token);
            }
            catch (OperationCanceledException) when (interrupt.Signalled)
            {
                console.MarkupLine($"[yellow]stopped watching;[/] sweep [bold]{Markup.Escape(sweepId)}[/] goes on: `hyperbench sweep watch {Markup.Escape(sweepId)}` follows it again.");
                return ExitCodes.Interrupted;
            }

            if (store is not null)
            {
                var lines = SweepSummary.From(await store.GetResultsAsync(sweepId, CancellationToken.None));
                SummaryTable.Write(console, lines, sweepId);
                foreach (var l in lines.Where(l => l.Error is not null))
                    console.MarkupLine($"{SummaryTable.StatusMarkup(l.Status)} {Markup.Escape($"{l.Kernel} n={l.N} causal={l.Causal} {l.Pass}")}: {Markup.Escape(l.Error!)}");
                await SweepMonitor.WriteUnmeasuredAsync(console, store, sweepId, lines);
            }
            console.MarkupLine($"sweep [bold]{Markup.Escape(sweepId)}[/] {status.StatusWord}: {status.Done} done, {status.Failed} failed, {status.Skipped} skipped, " +
                $"{status.Cancelled} cancelled of {status.Total}");
            return status.Failed > 0 || status.Status != SweepStatus.Completed ? ExitCodes.CaseFailed : ExitCodes.Ok;
        }
        finally
        {
            if (target is not null) await target.DisposeAsync();
            else if (store is IAsyncDisposable d) await d.DisposeAsync();
        }
    }

    /// <summary>The sweep's status from its stored rows (the same counts the sweep grain keeps in memory, as of its last write).</summary>
    internal static async Task<SweepStatusView> ReadAsync(ISweepStore store, string sweepId, CancellationToken cancellationToken)
    {
        var sweep = await store.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null) return new SweepStatusView(sweepId, null, null, 0, 0, 0, 0, 0, 0, null, null, []);
        var cases = await store.GetCasesAsync(sweepId, cancellationToken);
        int Count(CaseStatus s) => cases.Count(c => c.Status == s);
        var devices = cases.Where(c => c.DeviceKey is not null && c.Status is CaseStatus.Done or CaseStatus.Failed or CaseStatus.Leased)
            .GroupBy(c => c.DeviceKey!, StringComparer.Ordinal)
            .Select(g =>
            {
                var current = g.FirstOrDefault(c => c.Status == CaseStatus.Leased);
                return new DeviceProgress(g.Key, g.Count(c => c.Status == CaseStatus.Done), g.Count(c => c.Status == CaseStatus.Failed), current?.CaseId,
                    current is null ? null : CaseJson.Deserialize(current.CaseJson).ToString());
            })
            .OrderBy(d => d.DeviceKey, StringComparer.Ordinal)
            .ToArray();
        // A large sweep's last cases are stored just after it starts (docs/scheduling.md): until then they are pending without a row.
        int unstored = Math.Max(0, sweep.CaseCount - cases.Count);
        return new SweepStatusView(sweepId, sweep.Status, sweep.Tag, cases.Count + unstored, Count(CaseStatus.Pending) + unstored, Count(CaseStatus.Leased), Count(CaseStatus.Done),
            Count(CaseStatus.Failed), Count(CaseStatus.Cancelled), sweep.CreatedUtc, sweep.FinishedUtc, devices) { Skipped = Count(CaseStatus.Skipped) };
    }

    /// <summary>Output that is not a terminal (a log, a pipe): one line whenever the counts change.</summary>
    private static async Task<SweepStatusView> LinesAsync(IAnsiConsole console, SweepStatusView status,
        Func<CancellationToken, Task<SweepStatusView>> poll, CancellationToken cancellationToken)
    {
        string? last = null;
        while (true)
        {
            string line = Describe(status);
            if (line != last) console.MarkupLine($"sweep {Markup.Escape(status.SweepId)}: {line}");
            last = line;
            if (status.Finished) return status;
            await Task.Delay(Period, cancellationToken);
            status = await poll(cancellationToken);
        }
    }

    private static string Describe(SweepStatusView s) =>
        $"{s.Done}/{s.Total} done" + (s.Failed > 0 ? $", {s.Failed} failed" : "") + (s.Skipped > 0 ? $", {s.Skipped} skipped" : "") +
        (s.Leased > 0 ? $", {s.Leased} running" : "") + (s.Finished ? $" ({s.StatusWord})" : "");
}
