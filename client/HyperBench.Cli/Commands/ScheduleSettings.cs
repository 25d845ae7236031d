using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

public sealed class ScheduleAddSettings : DbSettings
{
    [CommandOption("--name <NAME>")]
    [Description("The schedule's name (unique; `compare schedule:NAME` and `history --schedule NAME` use it).")]
    public string? Name { get; init; }

    [CommandOption("--cron <CRON>")]
    [Description("When it runs: five cron fields, minute hour day month weekday, in UTC (\"0 2 * * *\": 02:00 every day).")]
    public string? Cron { get; init; }

    [CommandOption("--plan <FILE>")]
    [Description("The plan file it runs (docs/plans.md; `sweep --save-plan FILE --dry-run` writes one). Its content is stored: later edits of the file do not change the schedule.")]
    public string? Plan { get; init; }

    [CommandOption("--baseline <SPEC>")]
    [Description("What each run is compared with: a sweep id or tag:NAME. [grey](default: the schedule's previous run)[/]")]
    public string? Baseline { get; init; }
}

public sealed class ScheduleListSettings : DbSettings;

public sealed class ScheduleNameSettings : DbSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The schedule (`hyperbench schedule list` lists them).")]
    public string Name { get; init; } = "";
}

public sealed class ScheduleRunNowSettings : DbSettings
{
    [CommandArgument(0, "<NAME>")]
    [Description("The schedule (`hyperbench schedule list` lists them).")]
    public string Name { get; init; } = "";

    [CommandOption("--device <DEVICES>")]
    [Description("Devices for the in-process silo, as for `sweep`. [grey](default: auto)[/]")]
    public string Device { get; init; } = "auto";

    [CommandOption("--cluster <ADDRESS>")]
    [Description("Run on a running cluster instead of the in-process silo, as `sweep --cluster` does; its results are read back from --db.")]
    public string? Cluster { get; init; }
}
