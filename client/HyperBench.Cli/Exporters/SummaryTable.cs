using System.Globalization;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>The console table of a sweep: per n, kernel, causal and pass, the median, TFLOP/s, speed-up and relative error.</summary>
public static class SummaryTable
{
    public static Table Build(IEnumerable<SweepSummaryLine> lines)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("n", "kernel", "causal", "pass", "b×h×d", "dist", "device", "median", "95% CI median", "samples", "TFLOP/s", "speed-up", "rel. error", "status");
        foreach (var l in lines)
        {
            table.AddRow(
                l.N.ToString(CultureInfo.InvariantCulture),
                l.Kernel,
                l.Causal ? "yes" : "no",
                l.Pass,
                $"{l.Batch}×{l.Heads}×{l.D}",
                Markup.Escape(l.Distribution),
                Markup.Escape(l.Device),
                l.MedianSeconds is { } m ? Format.Seconds(m) : "-",
                l.CiLowSeconds is { } lo && l.CiHighSeconds is { } hi ? $"{Format.Seconds(lo)}–{Format.Seconds(hi)}" : "-",
                l.Samples.ToString(CultureInfo.InvariantCulture),
                l.Tflops is { } t ? t.ToString(t >= 1 ? "F2" : "F4", CultureInfo.InvariantCulture) + (l.Kernel == "flash" ? "" : "*") : "-",
                l.Speedup is { } s ? s.ToString("F2", CultureInfo.InvariantCulture) + "×" : "-",
                l.RelativeError is { } e ? e.ToString("G3", CultureInfo.InvariantCulture) : "-",
                l.Status switch { "ok" => "[green]ok[/]", "invalid" => "[yellow]invalid[/]", _ => "[red]" + Markup.Escape(l.Status) + "[/]" });
        }
        table.Caption("[grey]* HyperAttention: effective TFLOP/s with the exact kernel's FLOP count. speed-up = flash median / hyper median, same inputs and device.[/]");
        return table;
    }
}
