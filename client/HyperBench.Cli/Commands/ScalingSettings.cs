using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>
/// `hyperbench scaling`: the layer is given with the plan options (one value each); the study's own options say how it is split,
/// over how many devices and how often (docs/scaling.md).
/// </summary>
public sealed class ScalingSettings : PlanSettings
{
    [CommandArgument(0, "[ACTION]")]
    [Description("Empty: run a study. list: the stored studies, newest first. show: one stored study (STUDY_ID) as a table, JSON or Markdown.")]
    public string? Action { get; init; }

    [CommandArgument(1, "[STUDY_ID]")]
    [Description("The study `show` prints (`hyperbench scaling list` lists them).")]
    public string? StudyId { get; init; }

    [CommandOption("--kind <KIND>")]
    [Description("strong: one layer (--batch x --heads at --n) split by heads across k devices, speed-up T1/Tk and efficiency T1/(k Tk); " +
        "weak: --heads per device, k devices (efficiency T1/Tk); throughput: --cases small cases on k devices (cases per minute). [grey](default: strong)[/]")]
    public string? Kind { get; init; }

    [CommandOption("--device-counts <LIST>")]
    [Description("The device counts k, comma-separated; must include 1 (the baseline). Also spelled --k. [grey](default: 1, 2, 4, ... up to the matching devices)[/]")]
    public string? K { get; init; }

    [CommandOption("--max-k <N>")]
    [Description("The largest device count of the default --k list.")]
    public int? MaxK { get; init; }

    [CommandOption("--repeats <R>")]
    [Description("Runs of the layer per k; the table shows their median. [grey](default: 3)[/]")]
    public int? Repeats { get; init; }

    [CommandOption("--cases <N>")]
    [Description("throughput: cases per run (seeds 1..N of the layer). [grey](default: 16)[/]")]
    public int? Cases { get; init; }

    [CommandOption("--device-model <MODEL>")]
    [Description("Only devices of this model (as `devices` shows it; a glob with * and ? allowed).")]
    public string? DeviceModel { get; init; }

    [CommandOption("--fingerprint <PREFIX>")]
    [Description("Only devices whose environment fingerprint (environment_id) starts with this hex prefix.")]
    public string? Fingerprint { get; init; }

    [CommandOption("--db <DB>")]
    [Description("Where results and the study are stored: a SQLite file or a PostgreSQL connection string. [grey](default: " + Hosting.HyperBenchSiloOptions.DefaultDb + ")[/]")]
    public string? Db { get; init; }

    [CommandOption("--cluster <ADDRESS>")]
    [Description("Run on a running cluster (localhost:<gateway port> or its PostgreSQL connection string) instead of an in-process silo.")]
    public string? Cluster { get; init; }

    [CommandOption("--tag <TEXT>")]
    [Description("A label stored with the study and its sweeps.")]
    public string? Tag { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description("table, markdown or json. [grey](default: table)[/]")]
    public string Format { get; init; } = "table";

    [CommandOption("--plot <FILE>")]
    [Description("Also write a PNG: speed-up against k with the ideal line, and parallel efficiency against k.")]
    public string? Plot { get; init; }

    [CommandOption("--limit <N>")]
    [Description("list: at most this many studies. [grey](default: 20)[/]")]
    public int Limit { get; init; } = 20;
}
