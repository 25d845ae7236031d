using System.Globalization;
using System.Text;
using HyperBench.Kernels.Backends.Ilgpu.Ptx;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>The `kernels ptx` table, on the console and as Markdown (same columns).</summary>
public static class PtxGateTable
{
    private static readonly string[] Headers =
        ["kernel", "threads", "registers", "stack B", "spill B", "smem B", "occupancy", "hot-loop FFMA %", "FFMA / LDS.128", "scalar LDS (hot)", "HMMA (hot/all)", "LDL/STL", "verdict"];

    public static Table Build(IEnumerable<PtxGateRow> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in Headers) table.AddColumn(h == "kernel" || h == "verdict" ? new TableColumn(h) : new TableColumn(h).RightAligned());
        foreach (var row in rows)
        {
            var cells = Cells(row).Select(Markup.Escape).ToArray();
            cells[^1] = row.Verdict.Passed ? "[green]pass[/]" : "[red]FAIL[/]";
            table.AddRow(cells);
        }
        return table;
    }

    public static string Markdown(PtxGateReport report)
    {
        var sb = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# PTX gate, {report.Architecture}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"`{report.Command}` on {report.CreatedUtc:yyyy-MM-dd HH:mm} UTC; ptxas: {report.Ptxas}.")
            .AppendLine("Static SASS counts; hot loops = innermost loops (backward-branch ranges containing no other). See docs/ptx-gate.md.")
            .AppendLine()
            .AppendLine("| " + string.Join(" | ", Headers) + " |")
            .AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Headers.Length - 2)) + "---|");
        foreach (var row in report.Kernels)
            sb.AppendLine("| " + string.Join(" | ", Cells(row).Select(c => c.Replace("|", "/", StringComparison.Ordinal))) + " |");
        var failed = report.Kernels.Where(k => !k.Verdict.Passed).ToList();
        if (failed.Count > 0)
        {
            sb.AppendLine().AppendLine("## Failures").AppendLine();
            foreach (var row in failed)
                sb.AppendLine(CultureInfo.InvariantCulture, $"- **{row.Report.Name}**: {string.Join("; ", row.Verdict.Failures)}");
        }
        return sb.ToString();
    }

    private static string[] Cells(PtxGateRow row)
    {
        var r = row.Report;
        var hot = r.HotLoops;
        bool loops = r.InnermostLoopCount > 0;
        return
        [
            r.Name,
            r.ThreadsPerBlock.ToString(CultureInfo.InvariantCulture) + (r.ThreadsChosenByDriver ? " (auto)" : ""),
            r.Resources.Registers.ToString(CultureInfo.InvariantCulture),
            r.Resources.StackFrameBytes.ToString(CultureInfo.InvariantCulture),
            r.Resources.SpillBytes.ToString(CultureInfo.InvariantCulture),
            r.Resources.SharedBytes.ToString(CultureInfo.InvariantCulture),
            (r.Occupancy.Fraction * 100).ToString("F1", CultureInfo.InvariantCulture) + "%",
            loops ? (hot.FfmaFraction * 100).ToString("F1", CultureInfo.InvariantCulture) : "-",
            !loops ? "-" : double.IsPositiveInfinity(hot.FfmaPerLds128) ? "no LDS.128" : hot.FfmaPerLds128.ToString("F1", CultureInfo.InvariantCulture),
            loops ? hot.LdsScalar.ToString(CultureInfo.InvariantCulture) : "-",
            r.Whole.Hmma == 0 ? "-" : $"{hot.Hmma}/{r.Whole.Hmma}",
            $"{r.Whole.Ldl}/{r.Whole.Stl}",
            row.Verdict.Passed ? "pass" : "FAIL",
        ];
    }
}
