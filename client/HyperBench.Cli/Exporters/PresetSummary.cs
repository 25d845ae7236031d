using System.Globalization;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;
using Spectre.Console;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// The summary of a run started from a preset (--preset, `sweep` and `kernels bench`): the settings it ran with (and which of them
/// were given over the preset's), the precision and the baseline said plainly, then per mask, pass and n: flash and hyper median and
/// 20th percentile, the speed-up over our flash from each, and hyper's error.
/// </summary>
public static class PresetSummary
{
    private static readonly string[] PassOrder = ["fwd", "bwd", "fwdbwd"];

    /// <summary>What is said above the table: the preset, its settings as run, precision, baseline, timing.</summary>
    public static IReadOnlyList<string> Header(PlanPreset preset, BenchmarkGrid grid, IReadOnlyList<ResultLine> lines)
    {
        var own = PresetGrid(preset);
        var h = grid.Hyper;
        var over = new List<string>();
        void Compare<T>(string option, IEnumerable<T> ran, IEnumerable<T> planned, Func<T, string> text)
        {
            if (!ran.SequenceEqual(planned)) over.Add($"{option} {string.Join(',', ran.Select(text))} (preset: {string.Join(',', planned.Select(text))})");
        }
        Compare("--kernel", grid.Kernels, own.Kernels, k => k.ToString().ToLowerInvariant());
        Compare("--n", grid.SeqLens, own.SeqLens, Int);
        Compare("--causal", grid.Causal, own.Causal, c => c ? "true" : "false");
        Compare("--pass", grid.Passes, own.Passes, p => p.Name());
        Compare("--batch", grid.Batches, own.Batches, Int);
        Compare("--heads", grid.Heads, own.Heads, Int);
        Compare("--d", grid.HeadDims, own.HeadDims, Int);
        Compare("--lsh-projections", [h.LshProjections], [own.Hyper.LshProjections], Int);
        Compare("--block-size", [h.BlockSize], [own.Hyper.BlockSize], Int);
        Compare("--samples", [h.Samples], [own.Hyper.Samples], Int);
        Compare("--min-seq-len", [h.MinSeqLen], [own.Hyper.MinSeqLen], Int);
        Compare("--sampling", [h.Sampling], [own.Hyper.Sampling], s => s);

        var devices = lines.Where(l => l.Device.Length > 0).Select(l => l.DeviceId.Length > 0 ? $"{l.Device} ({l.DeviceId})" : l.Device)
            .Distinct(StringComparer.Ordinal).ToList();
        string device = devices.Count == 0 ? "this run's device" : string.Join(", ", devices);
        int minSamples = lines.Where(l => l.Samples > 0).Select(l => l.Samples).DefaultIfEmpty(0).Min();
        return
        [
            $"Preset {preset.Name}: {preset.Source}.",
            $"settings: n = {string.Join(',', grid.SeqLens.Select(Int))}; batch {string.Join(',', grid.Batches.Select(Int))}, " +
            $"heads {string.Join(',', grid.Heads.Select(Int))}, d = {string.Join(',', grid.HeadDims.Select(Int))}; causal {string.Join(" and ", grid.Causal.Select(c => c ? "yes" : "no"))}; " +
            $"passes {string.Join(',', grid.Passes.Select(p => p.Name()))}; hyper: r = {Int(h.LshProjections)}, b = {Int(h.BlockSize)}, m = {Int(h.Samples)}, " +
            $"min_seq_len = {Int(h.MinSeqLen)}, sampling {h.Sampling}; variants: bucket order {h.BucketOrder.Name()}, resample {h.Resample.Name()}, " +
            $"short-exact {(h.ShortExact ? "on" : "off")}, gradient {h.Gradient.Name()} (docs/variants.md).",
            over.Count == 0 ? "every setting is the preset's." : $"given over the preset: {string.Join("; ", over)}.",
            $"precision: {string.Join(", ", grid.Dtypes.Select(t => t.Name()))} (the paper: bf16).",
            $"baseline: our flash kernel on {device}; not Triton FlashAttention (the paper's baseline) nor FlashAttention-2. " +
            "On a GPU, infra/gpu/bench.sh times torch SDPA at the same dtype beside it.",
            $"timing: median and 20th percentile (p20, what the paper's authors report) of {(minSamples > 0 ? $"at least {Int(minSamples)}" : "the")} sample(s) per case; " +
            "speed-up = flash / hyper of each, same inputs and device. error: ‖O_hyper − O_exact‖₂ / ‖V‖₂ (worst head; docs/accuracy.md).",
        ];
    }

    /// <summary>The table: one row per hyper result, beside its flash partner (<see cref="ResultLine.WithSpeedups"/> paired them).</summary>
    public static Table Build(IReadOnlyList<ResultLine> lines, TableBorder border)
    {
        bool dtypes = lines.Select(l => l.Dtype).Distinct(StringComparer.Ordinal).Count() > 1;
        var table = new Table().Border(border);
        var headers = new List<string> { "causal", "pass" };
        if (dtypes) headers.Add("dtype");
        headers.AddRange(["n", "flash", "flash p20", "hyper", "hyper p20", "speed-up", "speed-up p20", "‖E‖₂/‖V‖₂", "status"]);
        for (int i = 0; i < headers.Count; i++)
        {
            var column = new TableColumn(Markup.Escape(headers[i])) { Alignment = i >= headers.IndexOf("n") && i < headers.Count - 1 ? Justify.Right : Justify.Left };
            if (border == TableBorder.None) column.Padding = new Padding(0, 0, i == headers.Count - 1 ? 0 : 2, 0);
            table.AddColumn(column);
        }
        foreach (var hyper in Rows(lines))
        {
            var flash = lines.FirstOrDefault(l => l.Kernel == "flash" && l.N == hyper.N && l.Causal == hyper.Causal && l.Pass == hyper.Pass
                && l.Dtype == hyper.Dtype && l.Batch == hyper.Batch && l.Heads == hyper.Heads && l.D == hyper.D && l.Distribution == hyper.Distribution
                && l.Device == hyper.Device);
            var cells = new List<string> { hyper.Causal ? "yes" : "no", hyper.Pass };
            if (dtypes) cells.Add(hyper.Dtype);
            cells.AddRange([
                Int(hyper.N), Seconds(flash?.MedianSeconds), Seconds(flash?.P20Seconds), Seconds(hyper.MedianSeconds), Seconds(hyper.P20Seconds),
                Format.Speedup(hyper.Speedup), Format.Speedup(hyper.SpeedupP20), Error(hyper.SpectralOverV),
                // The pair's status: hyper's, or flash's when only flash did not come out ok.
                SummaryTable.StatusMarkup(hyper.Status != ResultStatus.Ok || flash is null ? hyper.Status : flash.Status),
            ]);
            table.AddRow([.. cells]);
        }
        return table;
    }

    /// <summary>Writes the header, then the table framed when it fits the console's width, else without a frame.</summary>
    public static void Write(IAnsiConsole console, PlanPreset preset, BenchmarkGrid grid, IReadOnlyList<ResultLine> lines)
    {
        console.WriteLine();
        foreach (string line in Header(preset, grid, lines)) console.MarkupLine(Markup.Escape(line));
        var framed = Build(lines, TableBorder.Rounded);
        console.Write(SummaryTable.NaturalWidth(framed) <= console.Profile.Width ? framed : Build(lines, TableBorder.None));
    }

    /// <summary>The hyper results in the table's order: mask, pass (fwd, bwd, fwdbwd), dtype, n.</summary>
    private static IEnumerable<ResultLine> Rows(IReadOnlyList<ResultLine> lines) => lines.Where(l => l.Kernel == "hyper")
        .OrderBy(l => l.Causal).ThenBy(l => Array.IndexOf(PassOrder, l.Pass) is var i && i < 0 ? PassOrder.Length : i)
        .ThenBy(l => l.Dtype, StringComparer.Ordinal).ThenBy(l => l.N).ThenBy(l => l.Heads).ThenBy(l => l.Batch);

    /// <summary>The grid the preset alone gives (no options given), to name what was given over it.</summary>
    private static BenchmarkGrid PresetGrid(PlanPreset preset) => PlanBuilder.Build(PlanBuilder.Resolve(PlanLayer.None, preset, PlanDefaults.Sweep(gpu: false))).Grid;

    private static string Seconds(double? s) => s is { } x ? Format.Seconds(x) : "-";

    private static string Error(double? e) => e is { } x ? x.ToString(x >= 1 ? "F2" : "F3", CultureInfo.InvariantCulture) : "-";

    private static string Int(int x) => x.ToString(CultureInfo.InvariantCulture);
}
