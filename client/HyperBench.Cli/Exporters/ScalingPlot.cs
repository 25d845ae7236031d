using HyperBench.Storage;
using ScottPlot;

namespace HyperBench.Cli.Exporters;

/// <summary>A scaling study's PNG (ScottPlot): speed-up against k with the ideal line, and parallel efficiency against k with 1.</summary>
public static class ScalingPlot
{
    public static void Save(string path, ScalingStudyRow study, IReadOnlyList<ScalingLine> lines, int width = 900, int height = 1000)
    {
        if (lines.Count == 0) throw new InvalidOperationException("the study has no point to plot.");
        double[] ks = [.. lines.Select(l => (double)l.K)];
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var speed = multiplot.GetPlot(0);
        var efficiency = multiplot.GetPlot(1);

        bool weak = study.Kind == ScalingStatus.Weak;
        var ideal = speed.Add.Scatter(ks, ks);
        ideal.LegendText = "ideal (k)";
        ideal.LinePattern = LinePattern.Dashed;
        ideal.Color = Colors.Gray;
        ideal.MarkerSize = 0;
        var measured = speed.Add.Scatter(ks, [.. lines.Select(l => l.Speedup)]);
        measured.LegendText = weak ? "scaled speed-up k·T1/Tk (median runs)" : "speed-up T1/Tk (median runs)";
        measured.MarkerSize = 8;
        speed.Title($"{study.Kind} scaling {study.StudyId}: {ScalingReport.Layer(study)}");
        speed.XLabel("devices k");
        speed.YLabel("speed-up (×)");
        speed.ShowLegend(Alignment.UpperLeft);

        var eff = efficiency.Add.Scatter(ks, [.. lines.Select(l => l.Efficiency)]);
        eff.LegendText = weak ? "efficiency T1/Tk" : "efficiency T1/(k·Tk)";
        eff.MarkerSize = 8;
        efficiency.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dashed);
        efficiency.Add.HorizontalLine(0.8, 1, Colors.Gray, LinePattern.Dotted);
        efficiency.Title("parallel efficiency (dashed: ideal 1; dotted: 0.8)");
        efficiency.XLabel("devices k");
        efficiency.YLabel("efficiency");
        efficiency.Axes.SetLimitsY(0, Math.Max(1.2, lines.Max(l => l.Efficiency) * 1.1));
        efficiency.ShowLegend(Alignment.LowerLeft);

        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        multiplot.SavePng(path, width, height);
    }
}
