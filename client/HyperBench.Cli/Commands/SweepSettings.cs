using System.ComponentModel;
using HyperBench.Cli.Plans;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class SweepSettings : PlanSettings
{
    [CommandArgument(0, "[ACTION]")]
    [Description("Empty to run a new sweep; `resume SWEEP_ID` to finish an unfinished one from its stored state (plan options are then ignored: the stored plan is used).")]
    public string? Action { get; init; }

    [CommandArgument(1, "[SWEEP_ID]")]
    [Description("With resume: the sweep to finish (`hyperbench results` lists sweeps and their status).")]
    public string? SweepId { get; init; }

    [CommandOption("--db <DB>")]
    [Description("Where results are stored: a SQLite file path, or a PostgreSQL connection string (Host=...;Database=...) or postgres:// URI. " +
        "Also from HYPERBENCH__DB or HyperBench:Db in appsettings.json (docs/configuration.md). [grey](default: " + Hosting.HyperBenchSiloOptions.DefaultDb + ")[/]")]
    public string? Db { get; init; }

    [CommandOption("--tag <TEXT>")]
    [Description("A label stored with the sweep (e.g. a branch or an experiment name).")]
    public string? Tag { get; init; }

    [CommandOption("--cluster <ADDRESS>")]
    [Description("Submit to a running cluster instead of the in-process silo: localhost:<gateway port> (silos on this machine), or the " +
        "PostgreSQL connection string of the cluster's ADO.NET membership table. Results are read back from --db.")]
    public string? Cluster { get; init; }

    [CommandOption("--max-attempts <N>")]
    [Description("Leases of one case (failed or expired) before it is stored as failed. [grey](default: 3)[/]")]
    public int MaxAttempts { get; init; } = 3;

    [CommandOption("--lease <SECONDS>")]
    [Description("How long a case's lease lives without a heartbeat from its worker (bounds how long a dead worker holds a case). [grey](default: 60)[/]")]
    public double LeaseSeconds { get; init; } = 60;

    [CommandOption("--detach")]
    [Description("With --cluster: submit, print the sweep id and return without waiting.")]
    public bool Detach { get; init; }

    /// <summary>The plan options of a sweep: the shared ones with the sweep's defaults, plus scheduling.</summary>
    public PlanOptions ToPlanOptions(bool gpu) => ToPlanOptions(PlanDefaults.Sweep(gpu)) with
    {
        MaxAttempts = MaxAttempts,
        LeaseSeconds = LeaseSeconds,
        Tag = Tag,
    };
}
