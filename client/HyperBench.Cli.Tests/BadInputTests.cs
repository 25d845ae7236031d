using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace HyperBench.Cli.Tests;

/// <summary>
/// Bad input to every command, and bad settings to the silo, run as real processes: each exits 2 (or 3 for a database that cannot be
/// reached) within seconds, names the bad value, prints no stack trace, and leaves every file of its working directory as it was
/// (nothing created, no byte changed). No sweep runs. Each row's directory holds:
/// hb.db (a HyperBench SQLite database with one completed sweep, <see cref="KnownSweep"/>), empty.db (0 bytes), text.db (not SQLite),
/// adir/ (a directory), afile (a regular file), out.csv (an existing output file).
/// </summary>
public sealed class BadInputTests
{
    private const string KnownSweep = "20260101-000000-abcdef";

    private static readonly Lazy<Task<byte[]>> TemplateDb = new(CreateTemplateDbAsync);

    [Theory]
    // sweep: numbers that do not parse or are out of range
    [InlineData(2, "--repeat: 'abc'", "sweep", "--device", "cpu", "--repeat", "abc")]
    [InlineData(2, "--min-samples: -3", "sweep", "--device", "cpu", "--min-samples", "-3")]
    [InlineData(2, "--budget: 'x'", "sweep", "--device", "cpu", "--budget", "x")]
    [InlineData(2, "--budget", "sweep", "--device", "cpu", "--budget=-1")]
    [InlineData(2, "--budget", "sweep", "--device", "cpu", "--budget", "Infinity")]
    [InlineData(2, "--warmup: -1", "sweep", "--device", "cpu", "--warmup", "-1")]
    [InlineData(2, "--warmup-time", "sweep", "--device", "cpu", "--warmup-time", "NaN")]
    [InlineData(2, "--lease: 0", "sweep", "--device", "cpu", "--lease", "0")]
    [InlineData(2, "--max-attempts: 'two'", "sweep", "--device", "cpu", "--max-attempts", "two")]
    [InlineData(2, "--seed: '-5'", "sweep", "--device", "cpu", "--seed", "-5")]
    [InlineData(2, "'abc'", "sweep", "--device", "cpu", "--n", "abc")]
    [InlineData(2, "-4k", "sweep", "--device", "cpu", "--n", "-4k")]
    [InlineData(2, "--heads: 0", "sweep", "--device", "cpu", "--heads", "0")]
    [InlineData(2, "--d: 96", "sweep", "--device", "cpu", "--d", "96")]
    [InlineData(2, "--lsh-projections", "sweep", "--device", "cpu", "--lsh-projections", "99")]
    [InlineData(2, "dtype tf32x3 is not implemented by the cpu backend", "sweep", "--device", "cpu", "--dtype", "tf32x3")]
    // sweep: the database, the devices, the target
    [InlineData(2, "'adir' is a directory", "sweep", "--device", "cpu", "--db", "adir")]
    [InlineData(2, "is a file, not a directory", "sweep", "--device", "cpu", "--db", "afile/x.db")]
    [InlineData(2, "'text.db' is not a SQLite database", "sweep", "--device", "cpu", "--db", "text.db")]
    [InlineData(2, "mysql://x", "sweep", "--device", "cpu", "--db", "mysql://x")]
    [InlineData(2, "Data Source=;", "sweep", "--device", "cpu", "--db", "Data Source=;")]
    [InlineData(2, "cuda:7", "sweep", "--device", "cuda:7", "--db", "new.db")]
    [InlineData(2, "--device none", "sweep", "--device", "none", "--db", "new.db")]
    [InlineData(2, "'warp'", "sweep", "--device", "warp")]
    [InlineData(2, "--detach", "sweep", "--device", "cpu", "--detach")]
    [InlineData(2, "99999", "sweep", "--device", "cpu", "--cluster", "localhost:99999")]
    [InlineData(2, "'nowhere'", "sweep", "--device", "cpu", "--cluster", "nowhere")]
    [InlineData(2, "'frobnicate'", "sweep", "frobnicate")]
    // sweep resume
    [InlineData(2, "which sweep?", "sweep", "resume")]
    [InlineData(2, "'no-such-sweep'", "sweep", "resume", "no-such-sweep", "--db", "hb.db", "--device", "cpu")]
    [InlineData(2, "is completed", "sweep", "resume", KnownSweep, "--db", "hb.db", "--device", "cpu")]
    [InlineData(2, "missing.db", "sweep", "resume", KnownSweep, "--db", "missing.db", "--device", "cpu")]
    [InlineData(2, "no HyperBench schema", "sweep", "resume", KnownSweep, "--db", "empty.db", "--device", "cpu")]
    [InlineData(2, "cuda:7", "sweep", "resume", KnownSweep, "--db", "hb.db", "--device", "cuda:7")]
    // sweep: plan files, stored plans, the noise gate
    [InlineData(2, "plan file 'nope.json' does not exist", "sweep", "--device", "cpu", "--plan", "nope.json")]
    [InlineData(2, "plan file 'text.db' is not valid JSON", "sweep", "--device", "cpu", "--plan", "text.db")]
    [InlineData(2, "plan file 'adir' cannot be read", "sweep", "--device", "cpu", "--plan", "adir")]
    [InlineData(2, "--seq-len, --heads cannot be combined", "sweep", "--device", "cpu", "--plan", "text.db", "--n", "64", "--heads", "2")]
    [InlineData(2, "--cv-limit cannot be combined", "sweep", "--device", "cpu", "--from-sweep", KnownSweep, "--db", "hb.db", "--cv-limit", "0")]
    [InlineData(2, "give one of them", "sweep", "--device", "cpu", "--plan", "text.db", "--from-sweep", KnownSweep)]
    [InlineData(2, "'no-such-sweep'", "sweep", "--device", "cpu", "--from-sweep", "no-such-sweep", "--db", "hb.db")]
    [InlineData(2, "missing.db", "sweep", "--device", "cpu", "--from-sweep", KnownSweep, "--db", "missing.db")]
    [InlineData(2, "cannot be run again", "sweep", "--device", "cpu", "--from-sweep", KnownSweep, "--db", "hb.db")]
    [InlineData(2, "--cv-limit: '-1'", "sweep", "--device", "cpu", "--cv-limit", "-1")]
    [InlineData(2, "--cv-limit: 'loose'", "sweep", "--device", "cpu", "--cv-limit", "loose")]
    [InlineData(2, "--save-plan: 'afile/p.json'", "sweep", "--device", "cpu", "--save-plan", "afile/p.json", "--dry-run")]
    [InlineData(2, "--save-plan: 'adir' is a directory", "sweep", "--device", "cpu", "--save-plan", "adir")]
    // kernels bench
    [InlineData(2, "--min-samples: 0", "kernels", "bench", "--device", "cpu", "--min-samples", "0")]
    [InlineData(2, "--time-limit: 'soon'", "kernels", "bench", "--device", "cpu", "--time-limit", "soon")]
    [InlineData(2, "--time-limit: -1", "kernels", "bench", "--device", "cpu", "--time-limit", "-1")]
    [InlineData(2, "--dump-limit: 0", "kernels", "bench", "--device", "cpu", "--dump-limit", "0")]
    [InlineData(2, "--batch: 'one'", "kernels", "bench", "--device", "cpu", "--batch", "one")]
    [InlineData(2, "--json: 'afile/r.json'", "kernels", "bench", "--device", "cpu", "--json", "afile/r.json")]
    [InlineData(2, "--json: 'adir' is a directory", "kernels", "bench", "--device", "cpu", "--json", "adir")]
    [InlineData(2, "does not exist", "kernels", "bench", "--device", "cpu", "--json", "nodir/r.json")]
    [InlineData(2, "--dump: 'afile' is a file", "kernels", "bench", "--device", "cpu", "--dump", "afile")]
    [InlineData(2, "cuda:7", "kernels", "bench", "--device", "cuda:7")]
    [InlineData(2, "'none'", "kernels", "bench", "--device", "none")]
    [InlineData(2, "'warp'", "kernels", "bench", "--device", "cpu", "--kernel", "warp")]
    [InlineData(2, "dtype bf16 is not implemented by the cpu backend", "kernels", "bench", "--device", "cpu", "--dtype", "bf16")]
    [InlineData(2, "dtype fp16 is not implemented by the cpu backend", "sweep", "--device", "cpu", "--dtype", "fp16", "--pass", "fwdbwd")]
    // kernels ptx
    [InlineData(2, "'sm_10'", "kernels", "ptx", "--arch", "sm_10")]
    [InlineData(2, "'zzz'", "kernels", "ptx", "--kernel", "zzz")]
    [InlineData(2, "'no/such/ptxas'", "kernels", "ptx", "--ptxas", "no/such/ptxas")]
    [InlineData(2, "--json: 'adir' is a directory", "kernels", "ptx", "--json", "adir")]
    [InlineData(2, "--markdown: 'afile/x.md'", "kernels", "ptx", "--markdown", "afile/x.md")]
    [InlineData(2, "--keep: 'afile' is a file", "kernels", "ptx", "--keep", "afile")]
    // results
    [InlineData(2, "missing.db", "results", "--db", "missing.db")]
    [InlineData(2, "no HyperBench schema", "results", "--db", "empty.db")]
    [InlineData(2, "'text.db' is not a SQLite database", "results", "--db", "text.db")]
    [InlineData(2, "'adir' is a directory", "results", "--db", "adir")]
    [InlineData(2, "afile/x.db", "results", "--db", "afile/x.db")]
    [InlineData(2, "mysql://x", "results", "--db", "mysql://x")]
    [InlineData(2, "--format: 'xml'", "results", "--db", "hb.db", "--format", "xml")]
    [InlineData(2, "--limit: 0", "results", "--db", "hb.db", "--limit", "0")]
    [InlineData(2, "--limit: 'many'", "results", "--db", "hb.db", "--limit", "many")]
    [InlineData(2, "'no-such-sweep'", "results", "no-such-sweep", "--db", "hb.db")]
    [InlineData(2, "--out: 'afile/x.csv'", "results", KnownSweep, "--db", "hb.db", "--format", "csv", "--out", "afile/x.csv")]
    [InlineData(2, "does not exist", "results", KnownSweep, "--db", "hb.db", "--format", "csv", "--out", "nodir/x.csv")]
    [InlineData(2, "--out: 'adir' is a directory", "results", KnownSweep, "--db", "hb.db", "--format", "csv", "--out", "adir")]
    [InlineData(2, "no HyperBench schema", "results", KnownSweep, "--db", "empty.db", "--format", "csv", "--out", "out.csv")]
    // plot
    [InlineData(2, "SWEEP_ID", "plot")]
    [InlineData(2, "'x.svg'", "plot", KnownSweep, "--db", "hb.db", "--out", "x.svg")]
    [InlineData(2, "'no-such-sweep'", "plot", "no-such-sweep", "--db", "hb.db")]
    [InlineData(2, "no HyperBench schema", "plot", KnownSweep, "--db", "empty.db")]
    [InlineData(2, "missing.db", "plot", KnownSweep, "--db", "missing.db")]
    [InlineData(2, "--out: 'afile/p.png'", "plot", KnownSweep, "--db", "hb.db", "--out", "afile/p.png")]
    // devices
    [InlineData(2, "cuda:7", "devices", "--device", "cuda:7")]
    [InlineData(2, "--device none", "devices", "--device", "none")]
    [InlineData(2, "'warp'", "devices", "--device", "warp")]
    [InlineData(2, "port 0", "devices", "--cluster", "localhost:0")]
    // scaling
    [InlineData(2, "--kind: 'sideways'", "scaling", "--kind", "sideways", "--device", "cpu:0-1")]
    [InlineData(2, "--k: '2,4' must include 1", "scaling", "--k", "2,4", "--device", "cpu:0-1")]
    [InlineData(2, "--heads: 3 heads cannot be split evenly over k = 2", "scaling", "--k", "1,2", "--heads", "3", "--device", "cpu:0-1")]
    [InlineData(2, "--repeats: 0", "scaling", "--repeats", "0", "--device", "cpu:0-1")]
    [InlineData(2, "--format: 'xml'", "scaling", "--format", "xml")]
    [InlineData(2, "--fingerprint: 'xyz'", "scaling", "--fingerprint", "xyz", "--device", "cpu:0-1")]
    [InlineData(2, "one layer", "scaling", "--n", "1k,2k", "--device", "cpu:0-1")]
    [InlineData(2, "--plot: 'x.svg'", "scaling", "--plot", "x.svg", "--device", "cpu:0-1")]
    [InlineData(2, "scaling 'frob'", "scaling", "frob")]
    [InlineData(2, "no study 'nope'", "scaling", "show", "nope", "--db", "hb.db")]
    // the parser
    [InlineData(2, "frobnicate", "frobnicate")]
    [InlineData(2, "'no-such-option'", "results", "--no-such-option")]
    public async Task Cli_BadInput_ExitsNamingTheValueAndChangesNoFile(int expectedCode, string expected, params string[] args)
    {
        string dir = await NewWorkingDirectoryAsync();
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        var outcome = CliProcess.Run(dir, args);
        AssertCleanFailure(outcome, expectedCode, expected, clock.Elapsed, "hyperbench " + string.Join(' ', args));
        Assert.Equal(before, Snapshot(dir));
    }

    [Theory]
    [InlineData("HYPERBENCH__SILOPORT", "abc", "HyperBench:SiloPort = 'abc'")]
    [InlineData("HYPERBENCH__SILOPORT", "0", "HyperBench:SiloPort")]
    [InlineData("HYPERBENCH__GATEWAYPORT", "70000", "HyperBench:GatewayPort")]
    [InlineData("HYPERBENCH__IDLEPOLLMILLISECONDS", "soon", "HyperBench:IdlePollMilliseconds = 'soon'")]
    [InlineData("HYPERBENCH__HEARTBEATSECONDS", "-1", "HyperBench:HeartbeatSeconds")]
    [InlineData("HYPERBENCH__CLUSTERING", "mesh", "HyperBench:Clustering = 'mesh'")]
    [InlineData("HYPERBENCH__CLUSTERING", "adonet", "HyperBench:ClusteringConnectionString")]
    [InlineData("HYPERBENCH__ADVERTISEDIP", "not-an-ip", "HyperBench:AdvertisedIp = 'not-an-ip'")]
    [InlineData("HYPERBENCH__PRIMARYSILOENDPOINT", "nowhere", "HyperBench:PrimarySiloEndpoint = 'nowhere'")]
    [InlineData("HYPERBENCH__DEVICES", "warp", "HyperBench:Devices: device 'warp'")]
    [InlineData("HYPERBENCH__DB", "adir", "HyperBench:Db: database 'adir' is a directory")]
    [InlineData("HYPERBENCH__DB", "text.db", "HyperBench:Db: database 'text.db' is not a SQLite database")]
    [InlineData("HYPERBENCH__DB", "afile/x.db", "HyperBench:Db: database 'afile/x.db' cannot be created")]
    [InlineData("HYPERBENCH__DB", "mysql://x", "HyperBench:Db: database 'mysql://x'")]
    public async Task Silo_BadSetting_ExitsTwoNamingTheKeyAndChangesNoFile(string key, string value, string expected)
    {
        string dir = await NewWorkingDirectoryAsync();
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        var outcome = SiloProcess.Run(dir, new Dictionary<string, string> { [key] = value }, TimeSpan.FromSeconds(60));
        AssertCleanFailure(outcome, 2, expected, clock.Elapsed, $"silo with {key}={value}");
        Assert.Equal(before, Snapshot(dir));
    }

    /// <summary>
    /// The CLI reads the silo's settings (docs/configuration.md): a bad one in a HYPERBENCH__* variable or in appsettings.json of the
    /// working directory exits 2 naming the key and the value, whether the CLI checks it (the database) or its in-process silo does.
    /// </summary>
    [Theory]
    [InlineData("env", "Db", "adir", "HyperBench:Db: database 'adir' is a directory", "sweep", "--device", "cpu")]
    [InlineData("file", "Db", "text.db", "HyperBench:Db: database 'text.db' is not a SQLite database", "sweep", "--device", "cpu")]
    [InlineData("env", "Db", "mysql://x", "HyperBench:Db: database 'mysql://x'", "sweep", "--device", "cpu")]
    [InlineData("env", "Db", "missing.db", "HyperBench:Db: no results database at 'missing.db'", "results")]
    [InlineData("file", "Db", "empty.db", "HyperBench:Db: database sqlite:empty.db has no HyperBench schema", "results")]
    [InlineData("env", "DeviceMemoryLimitBytes", "lots", "HyperBench:DeviceMemoryLimitBytes = 'lots'", "sweep", "--device", "cpu", "--db", "new.db")]
    [InlineData("file", "HeartbeatSeconds", "-1", "HyperBench:HeartbeatSeconds = '-1'", "sweep", "--device", "cpu", "--db", "new.db")]
    [InlineData("env", "DeviceGoneSeconds", "0", "HyperBench:DeviceGoneSeconds = '0'", "sweep", "--device", "cpu", "--db", "new.db")]
    [InlineData("file", "IdlePollMilliseconds", "5", "HyperBench:IdlePollMilliseconds = '5'", "sweep", "--device", "cpu", "--db", "new.db")]
    public async Task Cli_BadSetting_ExitsTwoNamingTheKeyAndChangesNoFile(string source, string key, string value, string expected, params string[] args)
    {
        string dir = await NewWorkingDirectoryAsync();
        var environment = new Dictionary<string, string?>();
        if (source == "env") environment["HYPERBENCH__" + key.ToUpperInvariant()] = value;
        else await WriteAppSettingsAsync(dir, key, value);
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        var outcome = CliProcess.Run(dir, environment, args);
        AssertCleanFailure(outcome, 2, expected, clock.Elapsed, $"hyperbench {string.Join(' ', args)} with {key} = '{value}' from {source}");
        Assert.Equal(before, Snapshot(dir));
    }

    /// <summary>An appsettings.json that does not parse is the user's input too: exit 2 naming the file, for the CLI and the silo.</summary>
    [Theory]
    [InlineData("cli")]
    [InlineData("silo")]
    public async Task AppSettingsNotJson_ExitsTwoNamingTheFile(string process)
    {
        string dir = await NewWorkingDirectoryAsync();
        string file = Path.Combine(dir, "appsettings.json");
        await File.WriteAllTextAsync(file, "{ \"HyperBench\": { \"Db\": ", TestContext.Current.CancellationToken);
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        var outcome = process == "cli"
            ? CliProcess.Run(dir, "sweep", "--device", "cpu")
            : SiloProcess.Run(dir, new Dictionary<string, string>(), TimeSpan.FromSeconds(60));
        AssertCleanFailure(outcome, 2, file, clock.Elapsed, $"{process} with a broken appsettings.json");
        Assert.Equal(before, Snapshot(dir));
    }

    /// <summary>The standalone silo reads appsettings.json of its working directory: a bad value there exits 2 naming the key.</summary>
    [Theory]
    [InlineData("SiloPort", "abc", "HyperBench:SiloPort = 'abc'")]
    [InlineData("Devices", "warp", "HyperBench:Devices: device 'warp'")]
    [InlineData("Db", "adir", "HyperBench:Db: database 'adir' is a directory")]
    public async Task Silo_BadSettingInAppSettings_ExitsTwoNamingTheKeyAndChangesNoFile(string key, string value, string expected)
    {
        string dir = await NewWorkingDirectoryAsync();
        await WriteAppSettingsAsync(dir, key, value);
        var before = Snapshot(dir);
        var clock = Stopwatch.StartNew();
        var outcome = SiloProcess.Run(dir, new Dictionary<string, string>(), TimeSpan.FromSeconds(60));
        AssertCleanFailure(outcome, 2, expected, clock.Elapsed, $"silo with {key} = '{value}' in appsettings.json");
        Assert.Equal(before, Snapshot(dir));
    }

    /// <summary>HYPERBENCH__* over appsettings.json, and the command's own option over both: the message names the value that won.</summary>
    [Fact]
    public async Task Settings_EnvironmentOverFile_OptionOverEnvironment()
    {
        string dir = await NewWorkingDirectoryAsync();
        await WriteAppSettingsAsync(dir, "Db", "adir");
        var environment = new Dictionary<string, string?> { ["HYPERBENCH__DB"] = "text.db" };

        var cli = CliProcess.Run(dir, environment, "sweep", "--device", "cpu");
        var silo = SiloProcess.Run(dir, new Dictionary<string, string> { ["HYPERBENCH__DB"] = "text.db" }, TimeSpan.FromSeconds(60));
        var option = CliProcess.Run(dir, environment, "sweep", "--device", "cpu", "--db", "afile/x.db");

        foreach (var (outcome, what) in new[] { (cli, "cli"), (silo, "silo") })
        {
            Assert.True(outcome.ExitCode == 2, $"{what}: exit {outcome.ExitCode}\n{outcome.Output}");
            Assert.Contains("HyperBench:Db: database 'text.db' is not a SQLite database", outcome.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("adir", outcome.Output, StringComparison.Ordinal);
        }
        Assert.Equal(2, option.ExitCode);
        Assert.Contains("--db: database 'afile/x.db'", option.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("text.db", option.Output, StringComparison.Ordinal);
    }

    private static Task WriteAppSettingsAsync(string dir, string key, string value) =>
        File.WriteAllTextAsync(Path.Combine(dir, "appsettings.json"),
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, Dictionary<string, string>> { ["HyperBench"] = new() { [key] = value } }),
            TestContext.Current.CancellationToken);

    /// <summary>Connection refused is retried; HYPERBENCH_DB_RETRY_SECONDS keeps the window (30 s by default) short here.</summary>
    [Fact]
    public async Task Results_PostgresHostUnreachable_ExitsThreeNamingTheHostNotThePassword()
    {
        string dir = await NewWorkingDirectoryAsync();
        int port = ClosedPort();
        var clock = Stopwatch.StartNew();
        var outcome = CliProcess.Run(dir, new Dictionary<string, string?> { ["HYPERBENCH_DB_RETRY_SECONDS"] = "1" },
            "results", "--db", $"Host=127.0.0.1;Port={port};Database=hb;Username=bench;Password=pw-do-not-print");
        AssertCleanFailure(outcome, 3, $"127.0.0.1:{port}", clock.Elapsed, "results on a closed port");
        Assert.DoesNotContain("pw-do-not-print", outcome.Output, StringComparison.Ordinal);
    }

    /// <summary>A refused login is not retried (it would not change): exit 3 at once, naming the user and host, never the password.</summary>
    [Fact]
    public async Task Results_PostgresWrongPassword_ExitsThreeWithoutThePassword()
    {
        string? admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin)) Assert.Skip("PostgreSQL not configured: set HYPERBENCH_TEST_POSTGRES to a connection string");
        var wrong = new NpgsqlConnectionStringBuilder(admin) { Password = "wrong-" + Guid.NewGuid().ToString("N")[..12] };
        string dir = await NewWorkingDirectoryAsync();
        var clock = Stopwatch.StartNew();
        var outcome = CliProcess.Run(dir, "results", "--db", wrong.ConnectionString);
        AssertCleanFailure(outcome, 3, wrong.Host!, clock.Elapsed, "results with a wrong password");
        Assert.DoesNotContain(wrong.Password!, outcome.Output, StringComparison.Ordinal);
    }

    private static void AssertCleanFailure(CliProcess.Outcome outcome, int expectedCode, string expected, TimeSpan elapsed, string what)
    {
        Assert.True(outcome.ExitCode == expectedCode, $"{what}: exit code {outcome.ExitCode}, expected {expectedCode}\n{outcome.Output}");
        Assert.True(outcome.Output.Contains(expected, StringComparison.Ordinal), $"{what}: the output does not name '{expected}'\n{outcome.Output}");
        Assert.DoesNotContain("Unhandled exception", outcome.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Output, StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"{what}: took {elapsed.TotalSeconds:F1} s");
    }

    private static async Task<string> NewWorkingDirectoryAsync()
    {
        string dir = CliProcess.TempDirectory();
        await File.WriteAllBytesAsync(Path.Combine(dir, "hb.db"), await TemplateDb.Value, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(dir, "empty.db"), [], TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "text.db"), "sweep notes, not a database\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "afile"), "a plain file\n", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "out.csv"), "case_id,kernel\nold,flash\n", TestContext.Current.CancellationToken);
        Directory.CreateDirectory(Path.Combine(dir, "adir"));
        return dir;
    }

    /// <summary>
    /// Every file and directory under <paramref name="dir"/> with a hash of its bytes: equal snapshots, nothing changed. A reader of
    /// hb.db (a WAL database) may leave SQLite's shared-memory and WAL companions beside it (a read-only connection may not remove
    /// them); they hold no data of the file, which itself must be byte for byte the same.
    /// </summary>
    private static SortedDictionary<string, string> Snapshot(string dir)
    {
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in Directory.GetDirectories(dir, "*", SearchOption.AllDirectories)) entries[Path.GetRelativePath(dir, d) + "/"] = "dir";
        foreach (var f in Directory.GetFiles(dir, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetRelativePath(dir, f);
            if (name is "hb.db-shm" || (name is "hb.db-wal" && new FileInfo(f).Length == 0)) continue;
            entries[name] = Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)));
        }
        return entries;
    }

    private static async Task<byte[]> CreateTemplateDbAsync()
    {
        string path = Path.Combine(CliProcess.TempDirectory(), "template.db");
        await using (var store = SweepStoreFactory.Create(path))
        {
            await store.MigrateAsync();
            await store.CreateSweepAsync(new SweepRow
            {
                SweepId = KnownSweep,
                PlanJson = "{}",
                MeasurementJson = "{}",
                Status = SweepStatus.Completed,
                CreatedUtc = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
                FinishedUtc = new DateTime(2026, 1, 1, 0, 1, 0, DateTimeKind.Utc),
            }, []);
        }
        // Closing the pooled connections checkpoints the WAL into the file: the copy is the whole database.
        SqliteConnection.ClearAllPools();
        return await File.ReadAllBytesAsync(path);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
