using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HyperBench.Storage.Tests;

/// <summary>
/// A private PostgreSQL server for tests: initdb into a temp folder, pg_ctl start on a free 127.0.0.1 port with the
/// socket in that folder. As root (here and in CI) initdb refuses to run, so the commands run as the postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _root;
    private readonly string _data;

    private PostgresServer(string root, int port)
    {
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

    public int Port { get; }

    public bool Running { get; private set; }

    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=60";

    public static async Task<PostgresServer> StartNewAsync(CancellationToken cancellationToken)
    {
        string bin = BinDirectory ?? throw new InvalidOperationException("PostgreSQL binaries not found (set HYPERBENCH_PG_BIN).");
        var root = Directory.CreateTempSubdirectory("hyperbench-pg-").FullName;
        if (IsRoot) await RunAsync("chown", ["postgres:postgres", root], cancellationToken);
        var server = new PostgresServer(root, FreePort());
        try
        {
            await server.RunPgAsync(Path.Combine(bin, "initdb"), ["-D", server._data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"], cancellationToken);
            await server.StartAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // fsync off: test data is thrown away, and CREATE DATABASE per test stays fast on a 2-core machine.
        await RunPgAsync(Path.Combine(BinDirectory!, "pg_ctl"),
            ["-D", _data, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "30",
             "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start"], cancellationToken);
        Running = true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await RunPgAsync(Path.Combine(BinDirectory!, "pg_ctl"), ["-D", _data, "-m", "fast", "-w", "-t", "30", "stop"], cancellationToken);
        Running = false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Running) await RunPgAsync(Path.Combine(BinDirectory!, "pg_ctl"), ["-D", _data, "-m", "immediate", "-w", "-t", "30", "stop"], CancellationToken.None);
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

    private Task RunPgAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments], cancellationToken) : RunAsync(program, arguments, cancellationToken);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
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
        catch (OperationCanceledException)
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
