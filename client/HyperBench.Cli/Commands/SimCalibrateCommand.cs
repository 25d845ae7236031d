using System.Globalization;
using HyperBench.Cli.Plans;
using HyperBench.Kernels.Backends.Simulated;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench sim calibrate --from-sweep ID --out FILE`: fits a simulation model (docs/simulation.md) to the medians of a stored real
/// sweep (measured cases only) and writes it as JSON. A sweep of simulated devices, or of several device models, is refused (exit 2):
/// a model describes one real device.
/// </summary>
public sealed class SimCalibrateCommand(IAnsiConsole console) : AsyncCommand<SimCalibrateSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SimCalibrateSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(settings.FromSweep)) throw new PlanException("--from-sweep: which sweep? (sim calibrate --from-sweep ID --out FILE)");
            if (string.IsNullOrWhiteSpace(settings.Out)) throw new PlanException("--out: where to write the model? (e.g. --out infra/sim/my-gpu.json)");
            if (Directory.Exists(settings.Out)) throw new PlanException($"--out: '{settings.Out}' is a directory; name a file.");
            if (settings.NoiseCv is { } cv && !(cv >= 0 && cv < 1))
                throw new PlanException(string.Create(CultureInfo.InvariantCulture, $"--noise-cv: {cv} must be in [0, 1)."));
            string name = settings.Name ?? Path.GetFileNameWithoutExtension(settings.Out);
            if (string.IsNullOrWhiteSpace(name)) throw new PlanException($"--name: '{settings.Name}' is empty.");

            await using var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
            var sweep = await StoreOpener.FindSweepAsync(store, settings.FromSweep, cancellationToken);
            var results = (await store.GetResultsAsync(sweep.SweepId, cancellationToken))
                .Where(r => r.Status == ResultStatus.Ok && r.MedianSeconds > 0).ToList();
            var models = results.Select(r => r.DeviceName).Distinct(StringComparer.Ordinal).ToList();
            if (models.Count == 0) throw new PlanException($"--from-sweep: sweep '{sweep.SweepId}' has no measured case to fit.");
            if (models.Count > 1)
                throw new PlanException($"--from-sweep: sweep '{sweep.SweepId}' mixes device models ({string.Join(", ", models)}); a model describes one device.");
            if (models[0].StartsWith("simulated (", StringComparison.Ordinal))
                throw new PlanException($"--from-sweep: sweep '{sweep.SweepId}' ran on {models[0]}; calibrate on a real device's sweep.");
            var cases = (await store.GetCasesAsync(sweep.SweepId, cancellationToken))
                .ToDictionary(c => c.CaseId, c => CaseJson.Deserialize(c.CaseJson), StringComparer.Ordinal);
            var points = results.Where(r => cases.ContainsKey(r.CaseId)).Select(r => (cases[r.CaseId], r.MedianSeconds!.Value)).ToList();
            double noise = settings.NoiseCv ?? Median(results.Select(r => r.CoefficientOfVariation ?? 0));
            var model = SimModel.Fit(name, points,
                $"sweep {sweep.SweepId} on {models[0]} ({sweep.CreatedUtc:yyyy-MM-dd}, {points.Count} cases)",
                results.Max(r => r.DeviceMemoryBytes), Math.Min(noise, 0.5));
            string? folder = Path.GetDirectoryName(Path.GetFullPath(settings.Out));
            if (folder is not null) Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(settings.Out, model.ToJson() + Environment.NewLine, cancellationToken);
            Print(model, settings.Out);
            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
    }

    private void Print(SimModel model, string path)
    {
        var table = new Table().AddColumns("kernel", "pass", "mask", "dtype", "a (s)", "b", "points", "flops range", "rms log error");
        foreach (var g in model.Groups)
            table.AddRow(g.Kernel, g.Pass, g.Causal ? "causal" : "full", g.Dtype, g.Fit.A.ToString("G4", CultureInfo.InvariantCulture),
                g.Fit.B.ToString("F3", CultureInfo.InvariantCulture), g.Fit.Points.ToString(CultureInfo.InvariantCulture),
                string.Create(CultureInfo.InvariantCulture, $"{g.Fit.MinFlops:G3} - {g.Fit.MaxFlops:G3}"),
                g.Fit.RmsLogError.ToString("F3", CultureInfo.InvariantCulture));
        console.Write(table);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"model {model.Name}: t = a * flops^b per group; fallback a = {model.Fallback.A:G4}, b = {model.Fallback.B:F3}; noise cv {model.NoiseCv:F3}; written to {path}")));
        console.MarkupLine("Simulated devices wait these modelled times: their results are not measurements (docs/simulation.md).");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }
}
