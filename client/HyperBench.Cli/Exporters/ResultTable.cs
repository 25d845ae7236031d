using System.Globalization;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>The console table of a bench run. Presents; never measures.</summary>
public static class ResultTable
{
    public static Table Build(IEnumerable<CaseReport> cases)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("kernel", "n", "causal", "pass", "b×h×d", "median", "p20–p80", "95% CI median", "CV", "TFLOP/s", "samples", "first run", "status");
        foreach (var r in cases)
        {
            var s = r.Statistics;
            table.AddRow(
                r.Kernel,
                r.N.ToString(CultureInfo.InvariantCulture),
                r.Causal ? "yes" : "no",
                r.Pass,
                $"{r.Batch}×{r.Heads}×{r.D}",
                s is null ? "-" : Format.Seconds(s.Median),
                s is null ? "-" : $"{Format.Seconds(s.P20)}–{Format.Seconds(s.P80)}",
                s is null ? "-" : $"{Format.Seconds(s.MedianCiLower)}–{Format.Seconds(s.MedianCiUpper)}",
                s is null ? "-" : (s.CoefficientOfVariation * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
                s is null ? "-" : r.Tflops.ToString(r.Tflops >= 1 ? "F2" : "F4", CultureInfo.InvariantCulture),
                r.SamplesSeconds.Count.ToString(CultureInfo.InvariantCulture),
                r.FirstRunSeconds > 0 ? Format.Seconds(r.FirstRunSeconds) : "-",
                r.Status switch { "ok" => "[green]ok[/]", "invalid" => "[yellow]invalid[/]", "skipped" => "[grey]skipped[/]", _ => "[red]failed[/]" });
        }
        return table;
    }
}
