using System.Globalization;
using System.Text.Json;
using HyperBench.Cli.Exporters;
using HyperBench.Cli.Plans;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Backends.Ilgpu;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Spectre.Console;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench scaling`: a strong, weak or throughput scaling study (docs/scaling.md). Each repeat at each device count k is one sweep
/// (a gang of k shards for strong and weak, a batch of cases restricted to k devices for throughput), timed end to end from its
/// submission to its completion in the sweep grain's own timestamps; the study and its points are stored (scaling_studies,
/// scaling_points). `scaling list` and `scaling show ID` read them back.
/// </summary>
public sealed class ScalingCommand(IAnsiConsole console) : AsyncCommand<ScalingSettings>
{
    private static readonly string[] Kinds = [ScalingStatus.Strong, ScalingStatus.Weak, ScalingStatus.Throughput];
    private static readonly string[] Formats = ["table", "markdown", "json"];

    public override async Task<int> ExecuteAsync(CommandContext context, ScalingSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            if (!Formats.Contains(settings.Format)) throw new PlanException($"--format: '{settings.Format}' is not a format; use table, markdown or json.");
            if (settings.Plot is not null && !settings.Plot.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                throw new PlanException($"--plot: '{settings.Plot}' must name a .png file.");
            OutputPath.CheckFile("--plot", settings.Plot);
            switch (settings.Action)
            {
                case null:
                    break;
                case "list":
                    if (settings.Limit < 1) throw new PlanException($"--limit: {settings.Limit} must be >= 1.");
                    return await ListAsync(settings, cancellationToken);
                case "show":
                    if (string.IsNullOrWhiteSpace(settings.StudyId))
                        throw new PlanException("scaling show: which study? (hyperbench scaling show STUDY_ID; `hyperbench scaling list` lists them)");
                    return await ShowAsync(settings, cancellationToken);
                default:
                    throw new PlanException($"scaling '{settings.Action}': the actions are list and show (or none, to run a study).");
            }
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }
        return await RunAsync(settings, cancellationToken);
    }

    private async Task<int> ListAsync(ScalingSettings settings, CancellationToken cancellationToken)
    {
        var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
        await using var opened = store as IAsyncDisposable;
        var studies = await ((IScalingStore)store).ListStudiesAsync(settings.Limit, cancellationToken);
        if (settings.Format == "json")
        {
            console.Profile.Out.Writer.Write(JsonSerializer.Serialize(studies.Select(s => new
            {
                study_id = s.StudyId, kind = s.Kind, status = s.Status, layer = ScalingReport.Layer(s), ks = s.Ks, repeats = s.Repeats, target = s.Target,
                device_models = s.DeviceModels, tag = s.Tag, created_utc = s.CreatedUtc,
            }), ScalingReport.Indented) + "\n");
        }
        else if (studies.Count == 0)
        {
            console.MarkupLine("no scaling studies stored yet (`hyperbench scaling --help`).");
        }
        else
        {
            ScalingReport.WriteList(console, studies);
        }
        return ExitCodes.Ok;
    }

    private async Task<int> ShowAsync(ScalingSettings settings, CancellationToken cancellationToken)
    {
        var store = await StoreOpener.OpenExistingAsync(settings.Db, cancellationToken);
        await using var opened = store as IAsyncDisposable;
        var scaling = (IScalingStore)store;
        var study = await scaling.GetStudyAsync(settings.StudyId!, cancellationToken)
            ?? throw new PlanException($"scaling show: no study '{settings.StudyId}' in {store.Description} (`hyperbench scaling list` lists them).");
        Report(settings, study, ScalingReport.From(study.Kind, await scaling.GetPointsAsync(study.StudyId, cancellationToken)));
        return study.Status == ScalingStatus.Completed ? ExitCodes.Ok : ExitCodes.CaseFailed;
    }

    private void Report(ScalingSettings settings, ScalingStudyRow study, IReadOnlyList<ScalingLine> lines)
    {
        switch (settings.Format)
        {
            case "json":
                console.Profile.Out.Writer.Write(ScalingReport.Json(study, lines));
                break;
            case "markdown":
                console.Profile.Out.Writer.Write(ScalingReport.Markdown(study, lines));
                break;
            default:
                ScalingReport.WriteTable(console, study, lines);
                break;
        }
        if (settings.Plot is not null && lines.Count > 0)
        {
            ScalingPlot.Save(settings.Plot, study, lines);
            if (settings.Format == "table") console.MarkupLine($"plot written to [blue]{Markup.Escape(Path.GetFullPath(settings.Plot))}[/]");
        }
    }

    /// <summary>The layer and the study's shape, checked before anything starts: bad values exit 2 naming them.</summary>
    private sealed record Study(string Kind, SweepPlan Layer, IReadOnlyList<int>? Ks, int Repeats, int Cases);

    private static Study Plan(ScalingSettings settings)
    {
        string kind = (settings.Kind ?? ScalingStatus.Strong).Trim().ToLowerInvariant();
        if (!Kinds.Contains(kind)) throw new PlanException($"--kind: '{settings.Kind}' is not a kind of study; use strong, weak or throughput.");
        int repeats = settings.Repeats ?? 3;
        if (repeats is < 1 or > 1000) throw new PlanException($"--repeats: {repeats} must be between 1 and 1000.");
        int cases = settings.Cases ?? 16;
        if (cases is < 1 or > 100_000) throw new PlanException($"--cases: {cases} must be between 1 and 100000.");
        if (settings.MaxK is < 1) throw new PlanException($"--max-k: {settings.MaxK} must be >= 1.");
        IReadOnlyList<int>? ks = null;
        if (settings.K is not null)
        {
            ks = [.. ListParser.Integers("--k", settings.K, 1, 1024).Distinct().Order()];
            if (ks[0] != 1) throw new PlanException($"--k: '{settings.K}' must include 1 (the baseline T1 every speed-up is against).");
            if (settings.MaxK is { } max && ks[^1] > max) throw new PlanException($"--k: {ks[^1]} is above --max-k {max}.");
        }
        var options = settings.ToPlanOptions(new PlanDefaults("flash", "1k", kind == ScalingStatus.Throughput ? "1" : "4")) with
        {
            Causal = settings.Causal ?? "false",
            Pass = settings.Pass ?? "fwd",
            MinSamples = settings.MinSamples ?? 1,
            Budget = settings.Budget ?? 0,
            Warmup = settings.Warmup ?? 0,
            WarmupTime = settings.WarmupTime ?? 0,
            Tag = settings.Tag,
            CvLimit = null,
        };
        var layer = PlanBuilder.Build(options);
        if (layer.Grid.Expand().Count != 1)
            throw new PlanException($"a scaling study measures one layer: give one value each of --kernel, --n, --causal, --pass, --batch, --heads, --d, --dtype, " +
                $"--dist (this plan has {layer.Grid.Expand().Count} cases: {layer.Grid}).");
        if (settings.DeviceModel is { } model && (model.Trim().Length == 0 || model.Trim() != model))
            throw new PlanException($"--device-model: '{model}' is not a device model (empty, or with spaces around it).");
        if (settings.Fingerprint is { } fp && (fp.Length == 0 || !fp.All(Uri.IsHexDigit)))
            throw new PlanException($"--fingerprint: '{fp}' is not a fingerprint prefix (hex digits of an environment_id, e.g. from `results --format json`).");
        layer = layer with { DeviceModel = settings.DeviceModel, Fingerprint = settings.Fingerprint?.ToLowerInvariant(), CvLimit = null };
        if (ks is not null) CheckHeads(kind, layer, ks);
        return new Study(kind, layer, ks, repeats, cases);
    }

    private static void CheckHeads(string kind, SweepPlan layer, IReadOnlyList<int> ks)
    {
        int heads = layer.Grid.Heads[0];
        if (kind != ScalingStatus.Strong) return;
        foreach (int k in ks)
            if (heads % k != 0)
                throw new PlanException($"--heads: {heads} heads cannot be split evenly over k = {k} devices (strong scaling splits the layer by heads; " +
                    $"use a multiple of {string.Join(", ", ks)}).");
    }

    /// <summary>The sweep of one run at k devices: the layer's shards, or the throughput batch on the first k devices.</summary>
    private static SweepPlan RunPlan(Study study, int k, IReadOnlyList<DeviceView> devices)
    {
        var layer = study.Layer;
        return study.Kind switch
        {
            ScalingStatus.Strong => layer with { Grid = layer.Grid with { Heads = [layer.Grid.Heads[0] / k] }, Shards = k, Gang = k },
            ScalingStatus.Weak => layer with { Shards = k, Gang = k },
            _ => layer with { Shards = study.Cases, Devices = [.. devices.Take(k).Select(d => d.DeviceKey)] },
        };
    }

    /// <summary>auto on a machine without CUDA: one CPU device per core (cpu:0-(P-1)), each with one core's share.</summary>
    private static string LocalDevices(string device)
    {
        if (!string.Equals(device.Trim(), "auto", StringComparison.OrdinalIgnoreCase)) return device;
        if (IlgpuBackend.CudaDeviceCount() > 0) return device;
        return Environment.ProcessorCount > 1 ? $"cpu:0-{Environment.ProcessorCount - 1}" : "cpu:0";
    }

    private async Task<int> RunAsync(ScalingSettings settings, CancellationToken cancellationToken)
    {
        Study study;
        string db;
        string devices = LocalDevices(settings.Device);
        IReadOnlyList<string> local = [];
        try
        {
            study = Plan(settings);
            if (settings.Cluster is null)
            {
                local = DeviceCheck.ResolveLocal(devices);
                PlanBuilder.RequireDtypes(study.Layer.Grid, local);
            }
            (db, string dbName) = CliConfiguration.Db(settings.Db);
            StoreOpener.CheckWritable(db, dbName);
        }
        catch (Exception ex) when (ex is PlanException or ArgumentException)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ErrorText.For(ex))}");
            return ExitCodes.InvalidInput;
        }

        string studyId = "scaling-" + EmbeddedCluster.NewSweepId();
        // The in-process silo runs only the sweeps it is told of: every run's id, for every k it could run (one per local device at most).
        int most = study.Ks?[^1] ?? Math.Min(settings.MaxK ?? int.MaxValue, Math.Max(1, local.Count));
        string RunId(int k, int r) => string.Create(CultureInfo.InvariantCulture, $"{studyId}-k{k}-r{r}");
        string warmupId = studyId + "-warmup";
        var runIds = Enumerable.Range(1, most).SelectMany(k => Enumerable.Range(1, study.Repeats).Select(r => RunId(k, r))).Append(warmupId).ToList();

        using var interrupt = new Interrupt(cancellationToken);
        var (opened, openExit) = await SweepTarget.OpenAsync(console, settings.Cluster, settings.Db, db, devices, runIds, interrupt,
            "before the study started: nothing stored.");
        if (opened is not { } target) return openExit;

        await using (target)
        {
            if (target.Store is not IScalingStore scaling)
            {
                console.MarkupLine("[red]error:[/] --db: a scaling study is stored with its results: name the cluster's database with --db.");
                return ExitCodes.InvalidInput;
            }
            var registered = await target.Client.GetGrain<IDeviceRegistryGrain>(0).ListAsync();
            var matching = registered.Where(d => !d.Gone && d.Matches(study.Layer)).OrderBy(d => d.DeviceKey, StringComparer.Ordinal).ToList();
            IReadOnlyList<int> ks;
            try
            {
                if (matching.Count == 0)
                    throw new PlanException($"no device matches the study ({Describe(study.Layer)}); devices: " +
                        $"{(registered.Length == 0 ? "none" : string.Join(", ", registered.Select(d => $"{d.DeviceKey} ({d.ModelName})")))}.");
                ks = study.Ks ?? [.. PowersOfTwo(Math.Min(settings.MaxK ?? int.MaxValue, Math.Min(matching.Count, most)))];
                if (ks[^1] > matching.Count)
                    throw new PlanException($"--k: {ks[^1]} devices asked for, {matching.Count} match ({string.Join(", ", matching.Select(d => d.DeviceKey))}).");
                CheckHeads(study.Kind, study.Layer, ks);
            }
            catch (PlanException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.InvalidInput;
            }
            var models = matching.ToDictionary(d => d.DeviceKey, d => d.ModelName, StringComparer.Ordinal);
            string targetName = settings.Cluster is null ? $"in-process silo ({devices})" : $"cluster {SweepStoreFactory.Redact(settings.Cluster)}";
            await scaling.CreateStudyAsync(new ScalingStudyRow(studyId, study.Kind, ScalingStatus.Running, JsonSerializer.Serialize(study.Layer.Grid, LayerJson),
                string.Join(",", ks), study.Repeats, targetName, string.Join("; ", matching.Select(d => d.ModelName).Distinct(StringComparer.Ordinal)),
                settings.Tag, DateTime.UtcNow, null, null), CancellationToken.None);
            console.MarkupLine($"[bold]HyperBench scaling[/] {study.Kind} [blue]{studyId}[/]: {Markup.Escape(Describe(study.Layer))}; k = {string.Join(", ", ks)}; " +
                $"{study.Repeats} run(s) each on {Markup.Escape(targetName)}; results to [blue]{Markup.Escape(target.Store.Description)}[/]");

            string status = ScalingStatus.Completed;
            string? detail = null;
            try
            {
                await console.Progress().AutoClear(false)
                    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async ctx =>
                    {
                        var bar = ctx.AddTask("[bold]runs[/]", maxValue: ks.Count * study.Repeats);
                        // One untimed run at the largest k first: the process's first kernels pay the JIT and the first allocations, which
                        // would otherwise land on the first timed run alone (k = 1). Its sweep is stored; it is no point of the study.
                        bar.Description = $"[bold]runs[/] warm-up k={ks[^1]}";
                        var warm = await RunOnceAsync(target, null, studyId, warmupId, ks[^1], 0, RunPlan(study, ks[^1], matching), models, interrupt.Token);
                        if (warm.Failed is { } warmFailed) detail = $"warm-up run ({warm.SweepId}): {warmFailed}";
                        // Repeat-major: every k is measured once before any is measured again, so a slow spell of a shared machine
                        // touches every k alike instead of one.
                        for (int r = 1; r <= study.Repeats && detail is null; r++)
                        {
                            foreach (int k in ks)
                            {
                                bar.Description = $"[bold]runs[/] r{r} k={k}";
                                var point = await RunOnceAsync(target, scaling, studyId, RunId(k, r), k, r, RunPlan(study, k, matching), models, interrupt.Token);
                                if (point.Failed is { } why)
                                {
                                    detail = $"run k={k} r={r} ({point.SweepId}): {why}";
                                    break;
                                }
                                bar.Increment(1);
                            }
                        }
                        bar.StopTask();
                    });
                if (detail is not null) status = ScalingStatus.Failed;
            }
            catch (OperationCanceledException) when (interrupt.Signalled)
            {
                status = ScalingStatus.Cancelled;
                detail = "interrupted";
            }
            var points = await scaling.GetPointsAsync(studyId, CancellationToken.None);
            string runModels = string.Join("; ", points.SelectMany(p => p.DeviceModels.Split("; ", StringSplitOptions.RemoveEmptyEntries))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            await scaling.FinishStudyAsync(studyId, status, runModels.Length > 0 ? runModels : null, detail, DateTime.UtcNow, CancellationToken.None);
            var stored = await scaling.GetStudyAsync(studyId, CancellationToken.None);
            if (points.Any(p => p.K == 1)) Report(settings, stored!, ScalingReport.From(study.Kind, points));
            console.MarkupLine($"study [bold]{studyId}[/] {status}" + (detail is null ? "" : $": {Markup.Escape(detail)}") +
                $"; `hyperbench scaling show {studyId}` shows it again");
            return status switch
            {
                ScalingStatus.Completed => ExitCodes.Ok,
                ScalingStatus.Cancelled => ExitCodes.Interrupted,
                _ => ExitCodes.CaseFailed,
            };
        }
    }

    private sealed record RunPoint(string SweepId, string? Failed);

    /// <summary>
    /// One run: submit the sweep, wait for it to finish, and store its end-to-end time: the sweep grain's completion time minus its creation
    /// time (both its own clock and both stored), which covers leasing, input generation, the kernels, storing every shard's result.
    /// Without a store (the warm-up run) nothing is recorded.
    /// </summary>
    private static async Task<RunPoint> RunOnceAsync(SweepTarget target, IScalingStore? scaling, string studyId, string sweepId, int k, int r, SweepPlan plan,
        IReadOnlyDictionary<string, string> models, CancellationToken cancellationToken)
    {
        var sweep = target.Client.GetGrain<ISweepGrain>(sweepId);
        await ClusterRetry.CallAsync(() => sweep.StartAsync(plan), cancellationToken: cancellationToken);
        SweepStatusView status;
        while (true)
        {
            status = await ClusterRetry.CallAsync(() => sweep.GetStatusAsync(), cancellationToken: cancellationToken);
            if (status.Finished) break;
            await Task.Delay(20, cancellationToken);
        }
        if (status.Status != SweepStatus.Completed || status.Failed > 0 || status.Skipped > 0)
            return new RunPoint(sweepId, $"{status.StatusWord}: {status.Done} done, {status.Failed} failed, {status.Skipped} skipped (`hyperbench results {sweepId}`)");
        if (scaling is null) return new RunPoint(sweepId, null);
        var row = await target.Store!.GetSweepAsync(sweepId, CancellationToken.None)
            ?? throw new InvalidOperationException($"sweep {sweepId} finished but is not in {target.Store.Description}.");
        double seconds = ((row.FinishedUtc ?? DateTime.UtcNow) - row.CreatedUtc).TotalSeconds;
        var keys = (await target.Store.GetCasesAsync(sweepId, CancellationToken.None)).Select(c => c.DeviceKey).OfType<string>()
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        string deviceModels = string.Join("; ", keys.Select(key => models.TryGetValue(key, out var m) ? m : "?").Distinct(StringComparer.Ordinal));
        await scaling.AddPointAsync(new ScalingPointRow(studyId, k, r, sweepId, seconds, row.CaseCount, string.Join(", ", keys), deviceModels, DateTime.UtcNow),
            CancellationToken.None);
        return new RunPoint(sweepId, null);
    }

    private static IEnumerable<int> PowersOfTwo(int max)
    {
        for (int k = 1; k <= max; k *= 2) yield return k;
    }

    private static string Describe(SweepPlan layer) =>
        layer.Grid + (layer.DeviceModel is null ? "" : $", model {layer.DeviceModel}") + (layer.Fingerprint is null ? "" : $", fingerprint {layer.Fingerprint}*");

    private static readonly JsonSerializerOptions LayerJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
}
