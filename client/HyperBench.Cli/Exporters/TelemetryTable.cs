using System.Globalization;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// Below a sweep's summary: per case on a GPU, what the device did while it ran (readings, SM clock range, hottest, most power,
/// throttled readings and why); for the cases without telemetry, one plain line per reason ("no GPU telemetry (cpu device)").
/// </summary>
public static class TelemetryTable
{
    public static void Write(IAnsiConsole console, IReadOnlyList<ResultLine> lines)
    {
        var sampled = lines.Where(l => l.TelemetrySamples > 0).ToList();
        if (sampled.Count > 0)
        {
            var table = new Table().Border(TableBorder.Rounded).Title("GPU telemetry");
            table.AddColumn("n", c => c.RightAligned());
            foreach (var header in new[] { "kernel", "causal", "pass", "dtype" }) table.AddColumn(header);
            foreach (var header in new[] { "readings", "SM MHz", "max °C", "max W", "throttled" }) table.AddColumn(header, c => c.RightAligned());
            table.AddColumn("reasons");
            foreach (var l in sampled)
            {
                table.AddRow(Num(l.N), l.Kernel, l.Causal ? "yes" : "no", l.Pass, l.Dtype, Num(l.TelemetrySamples),
                    l.SmClockMinMhz is { } lo && l.SmClockMaxMhz is { } hi ? (lo == hi ? Num(lo) : $"{Num(lo)}..{Num(hi)}") : "-",
                    l.MaxTemperatureC is { } t ? Num(t) : "-",
                    l.MaxPowerW is { } w ? w.ToString("F0", CultureInfo.InvariantCulture) : "-",
                    l.ThrottledSamples > 0 ? $"[yellow]{Num(l.ThrottledSamples)}/{Num(l.TelemetrySamples)}[/]" : $"0/{Num(l.TelemetrySamples)}",
                    Markup.Escape(string.IsNullOrEmpty(l.ThrottleReasons) ? "-" : l.ThrottleReasons));
            }
            console.Write(table);
            if (sampled.Any(l => l.ThrottledSamples > 0))
                console.MarkupLine("[grey]throttled: readings with a throttle reason other than idle, application clocks or display clocks " +
                    "(power cap, thermal or hardware slowdown): the times of those cases were measured below the device's clocks. docs/telemetry.md[/]");
        }
        foreach (var group in lines.Where(l => !(l.TelemetrySamples > 0) && l.TelemetryNote is not null).GroupBy(l => l.TelemetryNote!, StringComparer.Ordinal))
        {
            int count = group.Count();
            console.MarkupLine(Markup.Escape($"no GPU telemetry ({group.Key}): {count} case{(count == 1 ? "" : "s")}" +
                (count == lines.Count ? "" : $" ({string.Join(", ", group.Take(4).Select(l => $"{l.Kernel} n={Num(l.N)}"))}{(count > 4 ? ", ..." : "")})")));
        }
    }

    private static string Num(int? v) => v is { } x ? x.ToString(CultureInfo.InvariantCulture) : "-";
}
