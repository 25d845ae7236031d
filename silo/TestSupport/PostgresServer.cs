using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HyperBench.TestSupport;

/// <summary>
/// A PostgreSQL server a test owns: a fresh cluster from initdb in a temporary folder, listening on 127.0.0.1 on a free port with its
/// socket in that folder, trust authentication, durability off (test data is thrown away), and stoppable and startable again (a
/// database outage under a running store or silo). Run as root (here and in CI) initdb and pg_ctl refuse to run, so they run as the
/// postgres user. One source file, compiled into each test project that needs it (silo/TestSupport).
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;

    private PostgresServer(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        _data = Path.Combine(root, "data");
        Port = port;
    }

    /// <summary>HYPERBENCH_PG_BIN, else the newest /usr/lib/postgresql/N/bin with an initdb; null when there is none.</summary>
    public static string? BinDirectory
    {
        get
        {
            string? configured = Environment.GetEnvironmentVariable("HYPERBENCH_PG_BIN");
            if (!string.IsNullOrEmpty(configured)) return File.Exists(Path.Combine(configured, "initdb")) ? configured : null;
            if (!Directory.Exists("/usr/lib/postgresql")) return null;
            return Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0)
                .FirstOrDefault();
        }
    }

    /// <summary>Whether a test that cannot run without PostgreSQL must fail instead of skipping (as in CI).</summary>
    public static bool Required => Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1";

    public int Port { get; }

    public bool Running { get; private set; }

    /// <summary>
    /// A connection string to <paramref name="database"/> as the postgres user. Pooled, as users' connection strings are unless they say
    /// otherwise; <paramref name="pooling"/> false for a client that must not meet a pool's connections broken by a restart.
    /// </summary>
    public string ConnectionString(string database = "postgres", bool pooling = true) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Short, so that a client notices an outage quickly; a long command bound for CREATE DATABASE on a loaded 2-core machine.
        Timeout = 5,
        CommandTimeout = 60,
        Pooling = pooling,
    }.ConnectionString;

    /// <summary>initdb and start (about 2 s), then CREATE DATABASE for each of <paramref name="databases"/>.</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL binaries (see <see cref="BinDirectory"/>), or a tool failed.</exception>
    public static async Task<PostgresServer> StartNewAsync(CancellationToken cancellationToken, params string[] databases)
    {
        string bin = BinDirectory ?? throw new InvalidOperationException("PostgreSQL binaries not found (initdb under /usr/lib/postgresql/N/bin, or set HYPERBENCH_PG_BIN).");
        var root = Directory.CreateTempSubdirectory("hyperbench-pg-").FullName;
        if (IsRoot) await RunAsync("chown", ["postgres:postgres", root], cancellationToken);
        var server = new PostgresServer(bin, root, FreePort());
        try
        {
            await server.ToolAsync("initdb", ["-D", server._data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], cancellationToken);
            await server.StartAsync(cancellationToken);
            foreach (var database in databases)
            {
                await using var connection = new NpgsqlConnection(server.ConnectionString(pooling: false));
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <see cref="StartNewAsync"/> for a test that needs a server of its own: without the binaries it skips with the reason, or fails
    /// when <see cref="Required"/>.
    /// </summary>
    public static Task<PostgresServer> StartOrSkipAsync(CancellationToken cancellationToken, params string[] databases)
    {
        if (BinDirectory is null)
        {
            const string reason = "this test runs a PostgreSQL server of its own and found no binaries (initdb under /usr/lib/postgresql/N/bin, " +
                "or HYPERBENCH_PG_BIN): apt-get install postgresql";
            if (Required) Assert.Fail(reason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip(reason);
        }
        return StartNewAsync(cancellationToken, databases);
    }

    /// <summary>pg_ctl start, waiting until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Durability off (fsync, synchronous commit, full pages): test data is thrown away, and a database per test stays fast on 2 cores.
        await ToolAsync("pg_ctl",
            ["-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "30",
             "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
             "start"], cancellationToken);
        Running = true;
    }

    /// <summary>pg_ctl stop -m fast: open connections are closed at once, as in an outage.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await ToolAsync("pg_ctl", ["-D", _data, "-m", "fast", "-w", "-t", "30", "stop"], cancellationToken);
        Running = false;
    }

    /// <summary>The server's own log, for a failing test's message.</summary>
    public string Log()
    {
        try
        {
            return File.ReadAllText(Path.Combine(_root, "server.log"));
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Running) await ToolAsync("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Best effort: the folder goes anyway.
        }
        Running = false;
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private Task ToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_bin, tool);
        return IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], cancellationToken) : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(), // the postgres user may not enter the test's working folder
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish in {CommandTimeout.TotalSeconds} s");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stdout}{await stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
