using System.Globalization;
using ScottPlot;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// The sweep's PNG (ScottPlot): median time against n on log-log axes, one line per (kernel, mask, pass), and below it
/// HyperAttention's speed-up over flash against n. Presents stored numbers; never measures.
/// </summary>
public static class SweepPlot
{
    public static void Save(string path, string title, IReadOnlyList<ResultLine> lines, int width = 1000, int height = 1100)
    {
        var ok = lines.Where(l => l.MedianSeconds is > 0).ToList();
        if (ok.Count == 0) throw new InvalidOperationException("the sweep has no successful result to plot.");

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var time = multiplot.GetPlot(0);
        var speed = multiplot.GetPlot(1);

        // Results of different device models are never merged into one line: each model gets its own (named when there are several).
        bool models = ok.Select(l => l.Device).Distinct(StringComparer.Ordinal).Count() > 1;
        foreach (var series in ok.GroupBy(l => (l.Kernel, l.Causal, l.Pass, l.Device)).OrderBy(g => g.Key.Kernel).ThenBy(g => g.Key.Causal).ThenBy(g => g.Key.Pass)
                     .ThenBy(g => g.Key.Device, StringComparer.Ordinal))
        {
            var points = series.GroupBy(l => l.N).OrderBy(g => g.Key).Select(g => (N: g.Key, T: Median(g.Select(l => l.MedianSeconds!.Value)))).ToList();
            var scatter = time.Add.Scatter(points.Select(p => Math.Log2(p.N)).ToArray(), points.Select(p => Math.Log10(p.T)).ToArray());
            scatter.LegendText = $"{series.Key.Kernel} {(series.Key.Causal ? "causal" : "non-causal")} {series.Key.Pass}" + (models ? $" ({series.Key.Device})" : "");
            scatter.LinePattern = series.Key.Kernel == "flash" ? LinePattern.Solid : LinePattern.Dashed;
            scatter.MarkerSize = 7;
        }
        time.Title($"{title}: median time vs n");
        time.XLabel("sequence length n");
        time.YLabel("median time (s)");
        SetPowerOfTwoAxis(time.Axes.Bottom);
        SetLogAxis(time.Axes.Left);
        time.ShowLegend(Alignment.UpperLeft);

        var withSpeedup = ok.Where(l => l.Speedup is > 0).ToList();
        foreach (var series in withSpeedup.GroupBy(l => (l.Causal, l.Pass, l.Device)).OrderBy(g => g.Key.Causal).ThenBy(g => g.Key.Pass)
                     .ThenBy(g => g.Key.Device, StringComparer.Ordinal))
        {
            var points = series.GroupBy(l => l.N).OrderBy(g => g.Key).Select(g => (N: g.Key, S: Median(g.Select(l => l.Speedup!.Value)))).ToList();
            var scatter = speed.Add.Scatter(points.Select(p => Math.Log2(p.N)).ToArray(), points.Select(p => p.S).ToArray());
            scatter.LegendText = $"{(series.Key.Causal ? "causal" : "non-causal")} {series.Key.Pass}" + (models ? $" ({series.Key.Device})" : "");
            scatter.MarkerSize = 7;
        }
        speed.Title(withSpeedup.Count == 0 ? "speed-up hyper / flash (no hyper + flash pairs in this sweep)" : "speed-up: flash median / hyper median");
        speed.XLabel("sequence length n");
        speed.YLabel("speed-up (×)");
        SetPowerOfTwoAxis(speed.Axes.Bottom);
        if (withSpeedup.Count > 0) speed.ShowLegend(Alignment.UpperLeft);
        speed.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dotted);

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        multiplot.SavePng(path, width, height);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    // ScottPlot has no logarithmic axis type: we plot log values and label the ticks with the powers they stand for.
    private static void SetLogAxis(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => FormatSeconds(Math.Pow(10, y)),
        };
    }

    private static void SetPowerOfTwoAxis(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = x => FormatN(Math.Pow(2, x)),
        };
    }

    private static string FormatN(double n) => n >= 1024 ? (n / 1024).ToString("G4", CultureInfo.InvariantCulture) + "k" : n.ToString("G4", CultureInfo.InvariantCulture);

    private static string FormatSeconds(double s) => s switch
    {
        >= 1 => s.ToString("G3", CultureInfo.InvariantCulture) + " s",
        >= 1e-3 => (s * 1e3).ToString("G3", CultureInfo.InvariantCulture) + " ms",
        _ => (s * 1e6).ToString("G3", CultureInfo.InvariantCulture) + " µs",
    };
}
