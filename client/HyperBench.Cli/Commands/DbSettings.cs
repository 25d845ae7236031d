using System.ComponentModel;
using Spectre.Console.Cli;

namespace HyperBench.Cli.Commands;

/// <summary>The --db option every command that reads or writes results shares.</summary>
public class DbSettings : CommandSettings
{
    [CommandOption("--db <DB>")]
    [Description("Where results are stored: a SQLite file path, or a PostgreSQL connection string (Host=...;Database=...) or postgres:// URI. " +
        "Also from HYPERBENCH__DB or HyperBench:Db in appsettings.json (docs/configuration.md). [grey](default: " + Hosting.HyperBenchSiloOptions.DefaultDb + ")[/]")]
    public string? Db { get; init; }
}
