using System.Globalization;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>`hyperbench devices`: the cluster's device inventory (model, memory, detail, silo, state).</summary>
public sealed class DevicesCommand(IAnsiConsole console) : AsyncCommand<DevicesSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DevicesSettings settings, CancellationToken cancellationToken)
    {
        SweepTarget target;
        string? memoryDb = null;
        try
        {
            if (settings.Cluster is null) _ = DeviceCheck.ResolveLocal(settings.Device);
            else _ = DeviceSelection.Parse(settings.Device);
            if (settings.Cluster is null)
            {
                // An in-process silo needs a store; a throwaway file keeps the inventory from touching real results.
                memoryDb = Path.Combine(Path.GetTempPath(), $"hyperbench-devices-{Guid.NewGuid():N}.db");
                target = await SweepTarget.StartEmbeddedAsync(memoryDb, settings.Device, [], cancellationToken);
            }
            else
            {
                target = await SweepTarget.ConnectAsync(settings.Cluster, null, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        try
        {
            await using (target)
            {
                IReadOnlyList<DeviceView> devices = [];
                // Workers register as they open their devices (CUDA context creation takes a moment).
                for (int i = 0; i < 40; i++)
                {
                    devices = await target.Client.GetGrain<IDeviceRegistryGrain>(0).ListAsync();
                    if (devices.Count > 0 && (settings.Cluster is not null || devices.Count >= DeviceSelection.Resolve(settings.Device).Count)) break;
                    await Task.Delay(250, cancellationToken);
                }
                var table = new Table().Border(TableBorder.Rounded).AddColumns("device", "kind", "model", "memory", "detail", "silo", "last seen (UTC)", "state", "fingerprint");
                foreach (var d in devices.OrderBy(d => d.SiloAddress, StringComparer.Ordinal).ThenBy(d => d.DeviceId, StringComparer.Ordinal))
                {
                    table.AddRow(Markup.Escape(d.DeviceId), d.Kind, Markup.Escape(d.ModelName),
                        (d.MemoryBytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture) + " GiB",
                        Markup.Escape(d.Detail), Markup.Escape(d.SiloAddress), d.LastSeenUtc.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                        d.Gone ? "[red]gone[/]" : d.BusyCase is null ? "[green]idle[/]" : $"[yellow]busy[/] {Markup.Escape(d.BusyCase)}",
                        d.Fingerprint is { } f ? f[..Math.Min(12, f.Length)] : "-");
                }
                console.MarkupLine(settings.Cluster is null ? "[grey]devices an in-process silo on this machine owns[/]" : $"[grey]{devices.Count} device(s) in the cluster[/]");
                console.Write(table);
                return devices.Count > 0 ? ExitCodes.Ok : ExitCodes.CaseFailed;
            }
        }
        finally
        {
            if (memoryDb is not null)
                foreach (var f in new[] { memoryDb, memoryDb + "-wal", memoryDb + "-shm" }) File.Delete(f);
        }
    }
}
