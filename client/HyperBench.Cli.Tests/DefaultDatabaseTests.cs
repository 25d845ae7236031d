using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Hosting;

namespace HyperBench.Cli.Tests;

/// <summary>With no database set, the standalone silo and the CLI use the same file: a silo's results are where `results` looks.</summary>
public sealed class DefaultDatabaseTests
{
    [Fact]
    public async Task SiloAndCli_NoDbSetting_ShareTheDefaultDatabase()
    {
        var ct = TestContext.Current.CancellationToken;
        string dir = CliProcess.TempDirectory();
        string expected = Path.Combine(dir, HyperBenchSiloOptions.DefaultDb);

        var none = CliProcess.Run(dir, "results");
        Assert.True(none.ExitCode == 2, none.Output);
        Assert.Contains($"HyperBench:Db: no results database at '{HyperBenchSiloOptions.DefaultDb}'", none.Output, StringComparison.Ordinal);

        using (var silo = SiloProcess.Start(dir, new Dictionary<string, string>
        {
            ["HYPERBENCH__DEVICES"] = "none",
            ["HYPERBENCH__SILOPORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["HYPERBENCH__GATEWAYPORT"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
        }))
        {
            var log = new System.Text.StringBuilder();
            try
            {
                // The silo migrates its store before it joins the cluster, and says so.
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                while (await silo.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    log.AppendLine(line);
                    if (line.Contains("Store ready", StringComparison.Ordinal)) break;
                }
                Assert.True(File.Exists(expected), $"the silo made no {expected}\n{log}");
            }
            finally
            {
                silo.Kill(entireProcessTree: true);
                await silo.WaitForExitAsync(ct);
            }
        }

        var found = CliProcess.Run(dir, "results");
        Assert.True(found.ExitCode == 0, found.Output);
        Assert.Contains(HyperBenchSiloOptions.DefaultDb, found.Output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
