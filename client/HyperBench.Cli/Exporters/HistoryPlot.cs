using System.Globalization;
using HyperBench.Regressions;
using ScottPlot;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// The history PNG (ScottPlot): each case's median against the stored runs in recorded order (log time axis, one line per case and device
/// model) against the run, and a labelled vertical line at each change point (red: slower, green: faster). Presents stored numbers; never measures.
/// </summary>
public static class HistoryPlot
{
    /// <summary>More lines than this make an unreadable legend: the plot keeps the cases with change points first, then the rest.</summary>
    public const int MaxCases = 12;

    public static void Save(string path, IReadOnlyList<CaseHistory> histories, int width = 1200, int height = 700)
    {
        if (histories.Count == 0) throw new InvalidOperationException("no history to plot.");
        // One x position per stored sweep, in recorded order, shared by every case: runs are evenly spaced whatever their dates.
        var sweeps = histories.SelectMany(h => h.Points).GroupBy(p => p.SweepId, StringComparer.Ordinal)
            .Select(g => (SweepId: g.Key, At: g.Min(p => p.RecordedUtc), Created: g.First().SweepCreatedUtc))
            .OrderBy(s => s.At).ThenBy(s => s.SweepId, StringComparer.Ordinal).ToList();
        var position = sweeps.Select((s, i) => (s.SweepId, i)).ToDictionary(s => s.SweepId, s => (double)s.i, StringComparer.Ordinal);

        var plot = new Plot();
        var shown = histories.OrderByDescending(h => h.Steps.Count > 0).Take(MaxCases).ToList();
        var palette = new ScottPlot.Palettes.Category10();
        double top = Math.Log10(histories.SelectMany(h => h.Points).Max(p => p.MedianSeconds));
        int labels = 0;
        for (int c = 0; c < shown.Count; c++)
        {
            var h = shown[c];
            var color = palette.GetColor(c);
            double[] xs = [.. h.Points.Select(p => position[p.SweepId])];
            double[] ys = [.. h.Points.Select(p => Math.Log10(p.MedianSeconds))];
            var scatter = plot.Add.Scatter(xs, ys, color);
            scatter.LegendText = $"{h.Label} ({h.DeviceModel})";
            scatter.MarkerSize = 6;
            foreach (var s in h.Steps)
            {
                var stepColor = s.Direction == StepDirection.Slower ? Colors.Red : Colors.Green;
                double x = position[s.At.SweepId] - 0.5;
                plot.Add.VerticalLine(x, 1.5f, stepColor, LinePattern.Dashed);
                var text = plot.Add.Text($"{HistoryWriter.StepText(s)}: {h.First.Kernel} n={h.First.N.ToString(CultureInfo.InvariantCulture)} " +
                    $"@ {HistoryWriter.ShortCommit(s.At.GitCommit)}", x, top - 0.02 * (labels++ % 6));
                text.LabelFontColor = stepColor;
                text.LabelFontSize = 11;
            }
        }
        int hidden = histories.Count - shown.Count;
        plot.Title(hidden > 0 ? $"median per case over runs ({hidden} more case(s) not drawn; filter with --kernel/--n)" : "median per case over runs");
        plot.XLabel("run (stored sweeps in recorded order; tick: sweep created, UTC)");
        plot.YLabel("median time");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            IntegerTicksOnly = true,
            LabelFormatter = x => x >= 0 && x < sweeps.Count && Math.Abs(x - Math.Round(x)) < 1e-9
                ? sweeps[(int)Math.Round(x)].Created.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture) : "",
        };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = y => Format.Seconds(Math.Pow(10, y)),
        };
        plot.ShowLegend(Alignment.LowerLeft);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, width, height);
    }
}
