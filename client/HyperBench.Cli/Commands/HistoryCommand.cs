using System.Globalization;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Kernels;
using HyperBench.Regressions;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench history`: each case's median over time (one point per stored run on a device model) with its sweep and commit, and the
/// change points of that series (E-divisive with Otava's split-and-merge, docs/history.md).
/// </summary>
public sealed class HistoryCommand(IAnsiConsole console) : AsyncCommand<HistorySettings>
{
    public static readonly string[] Formats = ["table", "json", "csv"];

    /// <summary>Kernel names as stored (CaseFields spells a kernel as its enum name, lower case).</summary>
    private static readonly Dictionary<string, string> KernelNames =
        Enum.GetValues<KernelKind>().Select(k => k.ToString().ToLowerInvariant()).ToDictionary(k => k, k => k);

    public override async Task<int> ExecuteAsync(CommandContext context, HistorySettings settings, CancellationToken cancellationToken)
    {
        SqlSweepStore store;
        HistoryFilter filter;
        ChangePointOptions options;
        try
        {
            if (!Formats.Contains(settings.Format))
                throw new PlanException($"--format: '{settings.Format}' is not valid; use one of: {string.Join(", ", Formats)}.");
            if (settings.Out is not null && settings.Format == "table")
                throw new PlanException("--out: writes json or csv; add --format json or --format csv.");
            if (settings.Plot is not null && !settings.Plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new PlanException($"--plot: '{settings.Plot}' must name a .png file.");
            if (settings.Tag is not null && settings.Schedule is not null)
                throw new PlanException("--tag and --schedule: give one of them, not both.");
            options = Options(settings);
            filter = new HistoryFilter
            {
                Kernels = settings.Kernel is null ? null : ListParser.Names("--kernel", settings.Kernel, KernelNames),
                SeqLens = settings.N is null ? null : ListParser.Integers("--n", settings.N, 1),
                Causal = settings.Causal is null ? null : ListParser.Causal(settings.Causal),
                Passes = settings.Pass is null ? null : [.. ListParser.Names("--pass", settings.Pass, AttentionPassNames.Spellings).Select(p => p.Name())],
                Dtypes = settings.Dtype is null ? null : [.. ListParser.Parsed("--dtype", settings.Dtype, DtypeNames.Parse).Select(d => d.Name())],
                Tag = settings.Tag,
                Schedule = settings.Schedule,
            };
            OutputPath.CheckFile("--out", settings.Out);
            OutputPath.CheckFile("--plot", settings.Plot);
            store = (SqlSweepStore)await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        await using var opened = store;
        // Values that are well formed but name nothing stored are bad input too: say which, and what is there.
        string? problem = null;
        if (settings.DeviceModel is not null)
        {
            var known = await store.ListDeviceModelsAsync(cancellationToken);
            var models = new List<string>();
            foreach (var item in settings.DeviceModel.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string? match = known.FirstOrDefault(k => string.Equals(k, item, StringComparison.OrdinalIgnoreCase));
                if (match is null)
                {
                    problem = $"--device-model: '{item}' is not a device model of {store.Description}; known: {Known(known)}.";
                    break;
                }
                models.Add(match);
            }
            if (models.Count == 0 && problem is null) problem = "--device-model: no value given.";
            filter = filter with { DeviceModels = models };
        }
        if (problem is null && settings.Tag is not null)
        {
            var tags = await store.ListTagsAsync(cancellationToken);
            if (!tags.Contains(settings.Tag, StringComparer.Ordinal))
                problem = $"--tag: '{settings.Tag}' names no sweep in {store.Description}; known tags: {Known(tags)}.";
        }
        if (problem is null && settings.Schedule is not null && !await store.SchedulesExistAsync(cancellationToken))
            problem = $"--schedule: '{settings.Schedule}' cannot be resolved: schedules are not set up in {store.Description} (no schedule_runs table); use --tag.";
        else if (problem is null && settings.Schedule is not null && await store.GetScheduleRunsAsync(settings.Schedule, 1, cancellationToken) is { Count: 0 })
            problem = $"--schedule: '{settings.Schedule}' has no runs in {store.Description} (`hyperbench schedule list` lists the schedules).";
        if (problem is not null)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(problem)}");
            return ExitCodes.InvalidInput;
        }

        var points = await store.GetHistoryAsync(filter, cancellationToken);
        var histories = CaseHistory.Analyse(points, options);
        if (settings.OnlyChanges) histories = [.. histories.Where(h => h.Steps.Count > 0)];
        switch (settings.Format)
        {
            case "table": HistoryWriter.Table(console, histories, store.Description); break;
            case "json": Emit(HistoryWriter.Json(histories, options), settings.Out); break;
            default: Emit(HistoryWriter.Csv(histories), settings.Out); break;
        }
        if (settings.Plot is not null)
        {
            if (histories.Count == 0)
            {
                console.MarkupLine("[yellow]no plot:[/] no stored result matches the filters.");
            }
            else
            {
                HistoryPlot.Save(settings.Plot, histories);
                // On stderr with json/csv on stdout, so a pipe gets the data only.
                (settings.Format == "table" ? Console.Out : Console.Error).WriteLine($"plot written to {Path.GetFullPath(settings.Plot)}");
            }
        }
        return ExitCodes.Ok;
    }

    private static string Known(IReadOnlyList<string> values) => values.Count == 0 ? "none" : string.Join(", ", values.Select(v => $"'{v}'"));

    private static ChangePointOptions Options(HistorySettings settings)
    {
        if (!(settings.MinChangePercent is >= 0 and < 1000))
            throw new PlanException($"--min-change: {settings.MinChangePercent.ToString(CultureInfo.InvariantCulture)} must be a percentage between 0 and 1000.");
        if (!(settings.MaxPValue is > 0 and < 1))
            throw new PlanException($"--max-p: {settings.MaxPValue.ToString(CultureInfo.InvariantCulture)} must be between 0 and 1.");
        if (settings.Window is < 4 or > 10_000)
            throw new PlanException($"--window: {settings.Window.ToString(CultureInfo.InvariantCulture)} must be between 4 and 10000.");
        return new ChangePointOptions { MinMagnitude = settings.MinChangePercent / 100, MaxPValue = settings.MaxPValue, WindowLength = settings.Window };
    }

    private void Emit(string text, string? path)
    {
        if (path is null)
        {
            Console.Out.Write(text);
            return;
        }
        OutputPath.WriteAllText(path, text);
        Console.Error.WriteLine($"written to {Path.GetFullPath(path)}");
    }
}
