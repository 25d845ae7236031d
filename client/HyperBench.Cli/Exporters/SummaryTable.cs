using System.Globalization;
using HyperBench.Kernels.Measurement;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// The console summary of a sweep: per n, kernel, causal and pass, the median, TFLOP/s, speed-up and HyperAttention's error, fitted
/// to the console's width. The widest layout that fits without wrapping is chosen; narrower ones drop the columns that
/// `results ID --format csv|json` still has (CI, CV, samples) and move what is the same on every row (shape, inputs, device) above
/// the table. A footer explains the error measure, the '~' noise marker and the '*' on TFLOP/s.
/// </summary>
public static class SummaryTable
{
    private const string SpectralHeader = "‖E‖₂/‖V‖₂";

    private sealed record Column(string Header, Func<ResultLine, string> Cell, bool Right = false);

    /// <summary>Writes the table with what is above and below it at <paramref name="console"/>'s width.</summary>
    /// <param name="sweepId">Named in the hint to the full export when columns were dropped.</param>
    public static void Write(IAnsiConsole console, IReadOnlyList<ResultLine> lines, string? sweepId = null)
    {
        int width = console.Profile.Width;
        var layouts = Layouts(lines).ToList();
        var (columns, border, dropped) = layouts.FirstOrDefault(l => NaturalWidth(Build(lines, l.Columns, l.Border)) <= width, layouts[^1]);

        var context = Context(lines, columns);
        if (context.Length > 0) console.MarkupLine($"[grey]{Markup.Escape(context)}[/]");
        console.Write(Build(lines, columns, border));
        foreach (var footer in Footer(lines, columns, dropped, sweepId)) console.MarkupLine($"[grey]{Markup.Escape(footer)}[/]");
    }

    /// <summary>The full table (every column), for callers that place it themselves.</summary>
    public static Table Build(IReadOnlyList<ResultLine> lines) => Build(lines, Layouts(lines).First().Columns, TableBorder.Rounded);

    /// <summary>The layouts from widest to narrowest: columns, border, and whether columns that only the exports keep were dropped.</summary>
    private static IEnumerable<(IReadOnlyList<Column> Columns, TableBorder Border, bool Dropped)> Layouts(IReadOnlyList<ResultLine> lines)
    {
        bool hyper = lines.Any(l => l.Kernel == "hyper");
        // Context columns stay in a narrow table only when they differ between rows (else they are printed once, above it).
        var shape = Column_("b×h×d", l => $"{l.Batch}×{l.Heads}×{l.D}");
        var dist = Column_("dist", l => Markup.Escape(l.Distribution));
        var device = Column_("device", l => Markup.Escape(l.Device));
        var varying = new[] { shape, dist, device }.Where(c => lines.Select(c.Cell).Distinct(StringComparer.Ordinal).Count() > 1).ToList();
        // A sweep at other dtypes than fp32 keeps the dtype in every layout, with each row's error against fp32 flash.
        bool dtypes = lines.Any(l => l.Dtype != "fp32");
        var key = new[] { Column_("n", l => l.N.ToString(CultureInfo.InvariantCulture), right: true), Column_("kernel", l => l.Kernel),
            Column_("causal", l => l.Causal ? "yes" : "no"), Column_("pass", l => l.Pass) }
            .Concat(dtypes ? [Column_("dtype", l => l.Dtype)] : []).ToArray();
        var ci = Column_("95% CI median", l => l.CiLowSeconds is { } lo && l.CiHighSeconds is { } hi ? $"{Format.Seconds(lo)}–{Format.Seconds(hi)}" : "-");
        var cv = Column_("CV", l => l.Cv is { } c ? (c * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-", right: true);
        var samples = Column_("samples", l => l.Samples.ToString(CultureInfo.InvariantCulture), right: true);
        var accuracy = (dtypes ? new[] { Column_("O rel. err", l => Format.Error(l.RelativeError), right: true) } : [])
            .Concat(hyper ? [Column_(SpectralHeader, l => Number(l.SpectralOverV), right: true)] : []).ToArray();
        var cosine = hyper ? new[] { Column_("O cos", l => l.MeanRowCosine is { } c ? c.ToString("F3", CultureInfo.InvariantCulture) : "-", right: true) } : [];
        var status = Column_("status", l => StatusMarkup(l.Status));

        // The 20th percentile (and the speed-up from it) stays wherever the median does: it is what the HyperAttention authors report.
        var speedups = hyper ? new[] { Speedup(), SpeedupP20("speed-up p20") } : [Speedup()];
        var narrowSpeedups = hyper ? new[] { Speedup(), SpeedupP20(NarrowP20Header) } : [Speedup()];
        yield return ([.. key, shape, dist, device, Median(false), P20(), ci, cv, samples, Tflops(false), .. speedups, .. accuracy, .. cosine, status], TableBorder.Rounded, false);
        yield return ([.. key, shape, dist, .. varying.Where(c => c == device), Median(false), P20(), cv, samples, Tflops(false), .. speedups, .. accuracy, status], TableBorder.Rounded, true);
        yield return ([.. key, .. varying, Median(false), P20(), cv, Tflops(false), .. speedups, .. accuracy, status], TableBorder.Rounded, true);
        // Narrowest: the status goes into the median cell (failed: no median) or the TFLOP/s cell (invalid: above the device's peak).
        yield return ([.. key, .. varying, Median(true), P20(), Tflops(true), .. narrowSpeedups, .. accuracy], TableBorder.Rounded, true);
        // Narrower still: no frame, two spaces between columns (a frame and its padding cost three per column).
        yield return ([.. key, .. varying, Median(true), P20(), Tflops(true), .. narrowSpeedups, .. accuracy], TableBorder.None, true);
        // Narrowest: TFLOP/s goes too (the exports keep it); the median and its p20 stay.
        yield return ([.. key, .. varying, Median(true), P20(), .. narrowSpeedups, .. accuracy], TableBorder.None, true);
    }

    private static Column Column_(string header, Func<ResultLine, string> cell, bool right = false) => new(header, cell, right);

    private static Column Median(bool withStatus) => Column_("median", l =>
        l.MedianSeconds is { } m ? (l.Noise is null ? "" : "[yellow]~[/]") + Format.Seconds(m)
        : withStatus && l.Status != ResultStatus.Ok ? StatusMarkup(l.Status) : "-", right: true);

    private static Column Tflops(bool withStatus) => Column_("TFLOP/s", l =>
        withStatus && l.Status == ResultStatus.Invalid ? StatusMarkup(l.Status)
        : l.Tflops is { } t ? t.ToString(t >= 1 ? "F2" : "F4", CultureInfo.InvariantCulture) + (l.Kernel == "flash" ? "" : "*") : "-", right: true);

    private static Column Speedup() => Column_("speed-up", l => Format.Speedup(l.Speedup), right: true);

    /// <summary>The p20 speed-up's header in the narrow layouts (the footer explains it).</summary>
    private const string NarrowP20Header = "p20×";

    private static Column SpeedupP20(string header) => Column_(header, l => Format.Speedup(l.SpeedupP20), right: true);

    private static Column P20() => Column_("p20", l => l.P20Seconds is { } p ? Format.Seconds(p) : "-", right: true);

    /// <summary>A result's status word, coloured: the same in `kernels bench` and sweep tables.</summary>
    public static string StatusMarkup(ResultStatus status) => $"[{StatusColour(status)}]{StatusWords.Word(status)}[/]";

    private static string StatusColour(ResultStatus status) => status switch
    {
        ResultStatus.Ok => "green",
        ResultStatus.Invalid => "yellow",
        ResultStatus.Skipped => "grey",
        _ => "red",
    };

    private static string Number(double? x) => x switch
    {
        null => "-",
        >= 100 => x.Value.ToString("F0", CultureInfo.InvariantCulture),
        >= 1 => x.Value.ToString("F2", CultureInfo.InvariantCulture),
        _ => x.Value.ToString("F3", CultureInfo.InvariantCulture),
    };

    private static Table Build(IReadOnlyList<ResultLine> lines, IReadOnlyList<Column> columns, TableBorder border)
    {
        var table = new Table().Border(border);
        bool framed = border != TableBorder.None;
        for (int i = 0; i < columns.Count; i++)
        {
            var column = new TableColumn(Markup.Escape(columns[i].Header)) { Alignment = columns[i].Right ? Justify.Right : Justify.Left };
            if (!framed) column.Padding = new Padding(0, 0, i == columns.Count - 1 ? 0 : 2, 0);
            table.AddColumn(column);
        }
        foreach (var l in lines) table.AddRow(columns.Select(c => c.Cell(l)).ToArray());
        return table;
    }

    /// <summary>What every row shares and the table no longer shows: shape, inputs, device.</summary>
    private static string Context(IReadOnlyList<ResultLine> lines, IReadOnlyList<Column> columns)
    {
        if (lines.Count == 0) return "";
        var parts = new List<string>();
        var first = lines[0];
        if (!columns.Any(c => c.Header == "b×h×d")) parts.Add($"batch×heads×d {first.Batch}×{first.Heads}×{first.D}, {first.Dtype}");
        if (!columns.Any(c => c.Header == "dist")) parts.Add($"inputs {first.Distribution}");
        if (!columns.Any(c => c.Header == "device"))
            parts.Add($"device {first.Device}" + (first.DeviceId.Length > 0 ? $" ({first.DeviceId})" : ""));
        return string.Join("; ", parts);
    }

    private static IEnumerable<string> Footer(IReadOnlyList<ResultLine> lines, IReadOnlyList<Column> columns, bool dropped, string? sweepId)
    {
        if (lines.Any(l => l.Kernel == "hyper"))
        {
            yield return "* HyperAttention: effective TFLOP/s with the exact kernel's FLOP count. speed-up = flash median / hyper median; " +
                $"{(columns.Any(c => c.Header == NarrowP20Header) ? NarrowP20Header : "speed-up p20")} = flash p20 / hyper p20; same inputs and device.";
            yield return $"{SpectralHeader}: HyperAttention's error in spectral norm relative to V (worst head), the quantity its paper bounds; " +
                "about 0.2-0.6 is typical on N(0,1) inputs. The relative Frobenius error (`relative_error` in CSV/JSON) grows like sqrt(n) " +
                "on diffuse attention because the exact output is tiny there, not because the result is wrong: docs/accuracy.md.";
        }
        var noisy = lines.Where(l => l.Noise is not null).ToList();
        if (noisy.Count > 0)
        {
            int highCv = noisy.Count(l => l.Cv >= SweepSummary.NoisyCv);
            int slowCausal = noisy.Count(l => l.Noise!.Contains("causal", StringComparison.Ordinal));
            var why = new List<string>(2);
            if (highCv > 0) why.Add(string.Create(CultureInfo.InvariantCulture, $"{highCv} with a CV of {SweepSummary.NoisyCv * 100:F0}% or more"));
            if (slowCausal > 0) why.Add($"{slowCausal} causal no faster than non-causal, with half the work");
            yield return $"~ noisy timing ({noisy.Count} of {lines.Count} cases: {string.Join("; ", why)}). For cleaner numbers: " +
                "more --min-samples and --budget, a quiet machine, a pinned CPU frequency (performance governor, no turbo).";
        }
        if (dropped)
        {
            yield return $"Columns left out to fit the width (CI, CV, samples, ...): `hyperbench results {sweepId ?? "ID"} --format csv|json` " +
                "has every field; a wider terminal or COLUMNS shows more.";
        }
    }

    /// <summary>The width a table takes when nothing limits it.</summary>
    internal static int NaturalWidth(Table table)
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        var probe = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        probe.Profile.Width = 4096;
        probe.Write(table);
        return writer.ToString().Split('\n').Max(l => l.TrimEnd('\r').Length);
    }
}
