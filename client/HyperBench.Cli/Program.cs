using HyperBench.Cli.Commands;
using HyperBench.Cli.Plans;
using HyperBench.Hosting;
using Spectre.Console;
using Spectre.Console.Cli;

// Redirected output (CI logs, files) has no terminal width; Spectre would then wrap tables at 80 columns. COLUMNS, when set, wins.
if (HyperBench.Cli.Exporters.ConsoleWidth.Resolve(Environment.GetEnvironmentVariable("COLUMNS"), Console.IsOutputRedirected) is { } width)
    AnsiConsole.Profile.Width = width;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("hyperbench");
    config.UseStrictParsing();
    config.PropagateExceptions();
    config.AddBranch("kernels", kernels =>
    {
        kernels.SetDescription("Run attention kernels in this process (no cluster, no database).");
        kernels.AddCommand<KernelsBenchCommand>("bench")
            .WithDescription("Benchmark attention kernels: every raw sample, statistics, TFLOP/s and the environment go to a JSON report.")
            .WithExample("kernels", "bench", "--kernel", "flash", "--seq-len", "1024,2048", "--causal", "both", "--pass", "fwd,fwdbwd", "--batch", "1", "--heads", "2", "--head-dim", "64", "--seed", "1", "--json", "out.json")
            .WithExample("kernels", "bench", "--device", "ilgpu-cpu", "--seq-len", "256", "--dump", "dump/");
        kernels.AddCommand<KernelsPtxCommand>("ptx")
            .WithDescription("Offline PTX gate, no GPU needed: compile every ILGPU kernel to PTX, assemble it with NVIDIA's ptxas and check registers, " +
                "stack and spills, LDL/STL, static shared memory, occupancy and (attention tiles) the hot-loop FFMA mix. Needs ptxas and cuobjdump " +
                "($HYPERBENCH_CUDA_TOOLS, --ptxas or PATH; Debian non-free: nvidia-cuda-toolkit). Exit codes: 0 all pass, 1 a kernel fails the gate, " +
                "2 bad input, 3 ptxas/cuobjdump not found.")
            .WithExample("kernels", "ptx")
            .WithExample("kernels", "ptx", "--kernel", "flash.forward", "--keep", "ptx-out/")
            .WithExample("kernels", "ptx", "--ptxas", "/opt/cuda/bin", "--markdown", "results/ptx/today.md", "--json", "results/ptx/today.json");
    });
    config.AddCommand<SweepCommand>("sweep")
        .WithDescription("Run a sweep (kernel × n × causal × pass × ...) through the orchestrator: an in-process silo with a SQLite file and the best " +
            "accelerator by default, or a running cluster with --cluster. Every sample and the environment are stored; prints a summary and the sweep id. " +
            "`sweep resume ID` finishes an unfinished sweep (after Ctrl+C, a crash or a restart); `sweep watch ID` follows a running one, read-only.")
        .WithExample("sweep")
        .WithExample("sweep", "--kernel", "flash,hyper", "--n", "4k,8k,16k", "--causal", "both", "--pass", "fwd,fwdbwd", "--heads", "1", "--tag", "nightly")
        .WithExample("sweep", "resume", "20261127-150053-91f141")
        .WithExample("sweep", "watch", "20261127-150053-91f141", "--db", "Host=db;Database=hyperbench;Username=bench;Password=...")
        .WithExample("sweep", "--cluster", "localhost:30000", "--db", "Host=db;Database=hyperbench;Username=bench;Password=...");
    config.AddCommand<DevicesCommand>("devices")
        .WithDescription("The device inventory: this machine's (in-process silo) or a running cluster's.")
        .WithExample("devices", "--cluster", "localhost:30000");
    config.AddCommand<ResultsCommand>("results")
        .WithDescription("Stored sweeps, or one sweep's summary (median, TFLOP/s, speed-up, relative error) as a table, CSV, JSON or Markdown.")
        .WithExample("results")
        .WithExample("results", "<sweep-id>", "--format", "csv", "--out", "sweep.csv")
        .WithExample("results", "--db", "Host=db;Database=hyperbench;Username=bench;Password=...");
    config.AddCommand<CompareCommand>("compare")
        .WithDescription("Compare two stored sweeps case by case: medians, change, Mann-Whitney p-value and a verdict (faster, slower, same, noisy, " +
            "insufficient); HyperAttention's relative error too. Verdicts are stored (regression_verdicts). Exit 1 when anything regressed " +
            "(docs/regressions.md).")
        .WithExample("compare", "<baseline-sweep-id>", "<candidate-sweep-id>")
        .WithExample("compare", "tag:nightly", "tag:nightly", "--format", "markdown")
        .WithExample("compare", "tag:main", "<sweep-id>", "--threshold", "3%", "--format", "json");
    config.AddCommand<HistoryCommand>("history")
        .WithDescription("Each case's median over time with its sweep and commit, and the change points of that history (E-divisive means with " +
            "Otava's split-and-merge): where a step happened, its size and direction (docs/history.md).")
        .WithExample("history", "--kernel", "flash", "--n", "8k", "--tag", "nightly")
        .WithExample("history", "--device-model", "NVIDIA H200", "--format", "json", "--plot", "history.png");
    config.AddCommand<CurvesCommand>("curves")
        .WithDescription("Fit log(time) against log(n) per kernel, mask, pass, dtype and device: the exponent, where hyper overtakes flash, and whether " +
            "either moved against the previous run of the same plan (exit 1 when one moved).")
        .WithExample("curves", "<sweep-id>")
        .WithExample("curves", "<sweep-id>", "--against", "<earlier-sweep-id>", "--format", "json");
    config.AddBranch("sim", sim =>
    {
        sim.SetDescription("Simulated devices (sim:i): a model of a real device's kernel times, for testing the orchestrator at fleet size (docs/simulation.md).");
        sim.AddCommand<SimCalibrateCommand>("calibrate")
            .WithDescription("Fit a simulation model (t = a * flops^b per kernel, pass, mask and dtype) to the medians of a stored real sweep and write it " +
                "as JSON for HyperBench:SimModel.")
            .WithExample("sim", "calibrate", "--from-sweep", "<sweep-id>", "--out", "infra/sim/my-gpu.json");
    });
    config.AddBranch("detector", detector =>
    {
        detector.SetDescription("Detector quality (docs/regressions.md): how often compare raises false alarms and catches real slowdowns.");
        detector.AddCommand<DetectorEvaluateCommand>("evaluate")
            .WithDescription("Run this build's `kernels bench` in --runs separate processes (cpu backend), compare consecutive runs (A/A pairs) and " +
                "copies with injected slowdowns, and print the false-positive and detection rates per effect threshold. Nothing is stored.")
            .WithExample("detector", "evaluate", "--runs", "51")
            .WithExample("detector", "evaluate", "--runs", "21", "--kernel", "flash", "-n", "512", "--slowdowns", "5%,10%", "--thresholds", "5%", "--format", "json");
    });
    config.AddBranch("verdict", verdict =>
    {
        verdict.SetDescription("Stored compare verdicts and their labels (true or false positive): precision and recall of the detector.");
        verdict.AddCommand<VerdictLabelCommand>("label")
            .WithDescription("Label a stored verdict: --true-positive (the case really regressed) or --false-positive (it did not).")
            .WithExample("verdict", "label", "<comparison-id>", "<case-id>", "--false-positive", "--note", "machine was busy");
        verdict.AddCommand<VerdictListCommand>("list")
            .WithDescription("The newest stored verdicts with their labels.")
            .WithExample("verdict", "list", "--labelled");
        verdict.AddCommand<VerdictStatsCommand>("stats")
            .WithDescription("Precision (among labelled slower verdicts) and recall (among labelled real regressions) from the labels.")
            .WithExample("verdict", "stats", "--format", "json");
    });
    config.AddBranch("schedule", schedule =>
    {
        schedule.SetDescription("Sweeps that run on a cron schedule in the cluster, each compared with the previous run (docs/schedules.md).");
        schedule.AddCommand<ScheduleAddCommand>("add")
            .WithDescription("Store a schedule: a name, a cron expression (five fields, UTC) and a plan file; --baseline names what its runs are compared with.")
            .WithExample("schedule", "add", "--name", "nightly", "--cron", "0 2 * * *", "--plan", "infra/plans/nightly.json");
        schedule.AddCommand<ScheduleListCommand>("list")
            .WithDescription("Every schedule with its next due time and last run.");
        schedule.AddCommand<ScheduleRemoveCommand>("remove")
            .WithDescription("Remove a schedule (its runs, sweeps and verdicts stay).")
            .WithExample("schedule", "remove", "nightly");
        schedule.AddCommand<ScheduleRunNowCommand>("run-now")
            .WithDescription("Run a schedule's plan now as one of its runs (in-process silo, like sweep), then compare it with the previous run.")
            .WithExample("schedule", "run-now", "nightly", "--device", "cpu");
        schedule.AddCommand<ScheduleHistoryCommand>("history")
            .WithDescription("A schedule's runs, newest first: due time, sweep, status and comparison.")
            .WithExample("schedule", "history", "nightly");
    });
    config.AddCommand<ScalingCommand>("scaling")
        .WithDescription("A scaling study (docs/scaling.md): strong (one layer split by heads over k = 1, 2, 4, ... devices, its shards leased together; " +
            "speed-up T1/Tk and efficiency T1/(k·Tk) from the end-to-end time, orchestration included), weak (heads per device fixed) or throughput " +
            "(cases per minute on k devices). Stored in scaling_studies/scaling_points; `scaling list`, `scaling show ID` read them back. " +
            "Exit codes: 0 done, 1 a run failed, 2 bad input, 3 database unreachable.")
        .WithExample("scaling", "--device", "cpu:0-1", "--kernel", "flash", "--n", "2k", "--heads", "8", "--repeats", "5", "--plot", "scaling.png")
        .WithExample("scaling", "--kind", "weak", "--cluster", "localhost:30000", "--db", "Host=db;Database=hyperbench;Username=bench;Password=...", "--device-model", "NVIDIA H200")
        .WithExample("scaling", "list")
        .WithExample("scaling", "show", "<study-id>", "--format", "markdown");
    config.AddCommand<PlotCommand>("plot")
        .WithDescription("A PNG of a sweep: median time vs n (log-log) per kernel and mask, and HyperAttention's speed-up vs n.")
        .WithExample("plot", "<sweep-id>", "--out", "sweep.png");
});
try
{
    return app.Run(OptionAliases.Expand(args));
}
catch (Exception ex)
{
    // The one place an exception becomes an exit code (ProcessExit, docs/exit-codes.md): one line, never a stack trace.
    var (code, message) = ProcessExit.Classify(ex, e => e is CommandAppException or PlanException);
    if (ex is CommandAppException) message = ParseErrorText.For(message, args, OptionTypes.Of);
    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ProcessExit.Describe(ex, message))}");
    return code;
}
