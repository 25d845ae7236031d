using System.Globalization;
using HyperBench.Regressions;
using ScottPlot;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// The history PNG (ScottPlot): each case's median against the time it was recorded (log time axis, one line per case and device
/// model), and a labelled vertical line at each change point (red: slower, green: faster). Presents stored numbers; never measures.
/// </summary>
public static class HistoryPlot
{
    /// <summary>More lines than this make an unreadable legend: the plot keeps the cases with change points first, then the rest.</summary>
    public const int MaxCases = 12;

    public static void Save(string path, IReadOnlyList<CaseHistory> histories, int width = 1200, int height = 700)
    {
        if (histories.Count == 0) throw new InvalidOperationException("no history to plot.");
        var plot = new Plot();
        var shown = histories.OrderByDescending(h => h.Steps.Count > 0).Take(MaxCases).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        for (int c = 0; c < shown.Count; c++)
        {
            var h = shown[c];
            var color = palette.GetColor(c);
            double[] xs = [.. h.Points.Select(p => p.RecordedUtc.ToOADate())];
            double[] ys = [.. h.Points.Select(p => Math.Log10(p.MedianSeconds))];
            var scatter = plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = $"{h.Label} ({h.DeviceModel})";
            scatter.MarkerSize = 6;
            foreach (var s in h.Steps)
            {
                var line = plot.Add.VerticalLine(s.At.RecordedUtc.ToOADate(), 1.5f, s.Direction == StepDirection.Slower ? Colors.Red : Colors.Green, LinePattern.Dashed);
                line.LabelText = $"{HistoryWriter.StepText(s)} {h.First.Kernel} n={h.First.N.ToString(CultureInfo.InvariantCulture)} @ {HistoryWriter.ShortCommit(s.At.GitCommit)}";
            }
        }
        int hidden = histories.Count - shown.Count;
        plot.Title(hidden > 0 ? $"median per case over time ({hidden} more case(s) not drawn; filter with --kernel/--n)" : "median per case over time");
        plot.XLabel("recorded (UTC)");
        plot.YLabel("median time");
        plot.Axes.DateTimeTicksBottom();
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            LabelFormatter = y => Format.Seconds(Math.Pow(10, y)),
        };
        plot.ShowLegend(Alignment.UpperLeft);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, width, height);
    }
}
