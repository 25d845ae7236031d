using HyperBench.Hosting;
using HyperBench.Silo;

// A HyperBench silo: Orleans, its device workers, the SQL store and /metrics. Settings: section "HyperBench" of appsettings.json,
// secret files, HYPERBENCH__* environment variables or --HyperBench:Key=value arguments (docs/configuration.md, docs/security.md);
// /metrics and /health listen on HyperBench:MetricsAddress:MetricsPort (127.0.0.1:9464), or ASPNETCORE_URLS when that is set.
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddHyperBenchSecrets(); // secret files (HYPERBENCH_SECRETS_DIR or /run/secrets), under environment and arguments

    builder.AddHyperBenchConsoleLogging();
    builder.AddHyperBenchStorage();
    builder.AddHyperBenchOrleans();
    builder.AddHyperBenchDeviceWorkers();
    builder.AddHyperBenchMetrics();

    var app = builder.Build();

    app.MapHyperBenchMetrics();
    app.MapGet("/", () => "HyperBench silo: metrics at /metrics, health at /health");

    await app.RunAsync();
    return ProcessExit.Ok;
}
catch (Exception ex)
{
    // One line naming the bad setting (exit 2) or the unreachable database (exit 3), not an unhandled-exception dump.
    var (code, message) = ProcessExit.Classify(ex);
    await Console.Error.WriteLineAsync("error: " + ProcessExit.Describe(ex, message));
    return code;
}
