using HyperBench.Hosting;
using HyperBench.Silo;

// A HyperBench silo: Orleans, its device workers, the SQL store and /metrics. Settings: section "HyperBench" of
// appsettings.json or HYPERBENCH__* environment variables (see HyperBenchSiloOptions); HTTP port: ASPNETCORE_URLS.
var builder = WebApplication.CreateBuilder(args);

builder.AddHyperBenchConsoleLogging();
builder.AddHyperBenchStorage();
builder.AddHyperBenchOrleans();
builder.AddHyperBenchDeviceWorkers();
builder.AddHyperBenchMetrics();

var app = builder.Build();

app.MapHyperBenchMetrics();
app.MapGet("/", () => "HyperBench silo: metrics at /metrics");

await app.RunAsync();
