using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace HyperBench.Grains.Tests.Fleet;

/// <summary>
/// A PostgreSQL server the test owns: a fresh cluster from initdb in a temporary folder, listening on 127.0.0.1 on a free port, with
/// trust authentication, that the test can stop and start again (a database outage under running silos). Run as root, initdb and
/// pg_ctl are run as the postgres user (PostgreSQL refuses root). Without the binaries the calling test skips with the reason, unless
/// HYPERBENCH_REQUIRE_POSTGRES=1, when it fails.
/// </summary>
internal sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _data;
    private readonly bool _asPostgres;

    private PostgresServer(string bin, string data, int port, bool asPostgres)
    {
        _bin = bin;
        _data = data;
        _asPostgres = asPostgres;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The hyperbench database of this server (created at start).</summary>
    public string ConnectionString => Connection("hyperbench");

    public bool Running { get; private set; }

    public string Connection(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Short, so that a client notices an outage quickly; pooling off, so a restarted server is not met with dead connections.
        Timeout = 5,
        Pooling = false,
    }.ConnectionString;

    /// <summary>initdb, start, and CREATE DATABASE hyperbench: about 2 s.</summary>
    public static async Task<PostgresServer> StartNewAsync(CancellationToken cancellationToken)
    {
        string? bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        if (bin is null)
        {
            const string reason = "PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/*/bin) not found: apt-get install postgresql";
            if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail(reason + " (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip(reason);
        }
        bool asPostgres = Environment.UserName == "root";
        string data = Directory.CreateTempSubdirectory("hyperbench-pg-").FullName;
        if (asPostgres) await RunAsync("chown", ["postgres:postgres", data], cancellationToken);
        var server = new PostgresServer(bin, data, LoopbackPorts.Free(), asPostgres);
        await server.ToolAsync("initdb", ["--auth=trust", "--username=postgres", "--no-sync", "--encoding=UTF8", "-D", data], cancellationToken);
        await server.StartAsync(cancellationToken);
        await using (var connection = new NpgsqlConnection(server.Connection("postgres")))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("CREATE DATABASE hyperbench", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        return server;
    }

    /// <summary>pg_ctl start, waiting until it accepts connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        string options = string.Create(CultureInfo.InvariantCulture,
            $"-p {Port} -k {_data} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        await ToolAsync("pg_ctl", ["-D", _data, "-o", options, "-l", Path.Combine(_data, "server.log"), "-w", "-t", "30", "start"], cancellationToken);
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
            return File.ReadAllText(Path.Combine(_data, "server.log"));
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
        finally
        {
            Running = false;
            try
            {
                Directory.Delete(_data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private Task ToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        string path = Path.Combine(_bin, tool);
        return _asPostgres ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], cancellationToken) : RunAsync(path, arguments, cancellationToken);
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(cancellationToken), process.StandardError.ReadToEndAsync(cancellationToken));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(bound.Token);
        string text = string.Concat(await output);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {text}");
    }
}
