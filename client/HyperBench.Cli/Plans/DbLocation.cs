namespace HyperBench.Cli.Plans;

/// <summary>Where results go: --db, else HYPERBENCH__DB, else HyperBench:Db in appsettings.json, else a SQLite file under the current directory.</summary>
public static class DbLocation
{
    public static string DefaultSqlitePath => Path.Combine("hyperbench-results", "hyperbench.db");

    public static string Resolve(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return option;
        string? env = Environment.GetEnvironmentVariable("HYPERBENCH__DB");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        string? configured = AppSettings.Get("HyperBench:Db");
        return string.IsNullOrWhiteSpace(configured) ? DefaultSqlitePath : configured;
    }
}
