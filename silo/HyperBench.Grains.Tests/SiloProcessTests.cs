using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Kernels.Measurement;
using HyperBench.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HyperBench.Grains.Tests;

/// <summary>The standalone silo (HyperBench.Silo) as a real process: what a container stop does to it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloProcessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Silo_Sigterm_StopsCleanlyHandingBackItsRunningLease()
    {
        string folder = Directory.CreateTempSubdirectory("hyperbench-silo-").FullName;
        string db = Path.Combine(folder, "results.db");
        int gateway = LoopbackPorts.Free();
        using var silo = StartSilo(folder, db, gateway);
        var log = Task.WhenAll(silo.StandardOutput.ReadToEndAsync(Ct), silo.StandardError.ReadToEndAsync(Ct));
        try
        {
            using var client = await ConnectAsync(gateway, silo);
            // Cases of at least half a second, so the worker is inside one when the signal comes; the default 60 s lease.
            var plan = TinyPlans.Flash(Enumerable.Range(1, 12).Select(i => 32 * i).ToArray(), budgetSeconds: 0.5, leaseSeconds: 60);
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<ISweepGrain>("sigterm").StartAsync(plan);
            await using var store = SweepStoreFactory.Create(db);
            var clock = Stopwatch.StartNew();
            while (!(await store.GetCasesAsync("sigterm", Ct)).Any(c => c.Status == CaseStatus.Done))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60) && !silo.HasExited, "no case finished in 60 s");
                await Task.Delay(100, Ct);
            }
            await client.StopAsync(Ct);

            using (var kill = Process.Start("kill", ["-TERM", silo.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync(Ct);
            // A hang guard: what matters is asserted below (the running lease handed back, not left to its 60 s expiry).
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            bound.CancelAfter(TimeSpan.FromSeconds(40));
            await silo.WaitForExitAsync(bound.Token);
            string output = string.Concat(await log);

            Assert.True(silo.ExitCode == 0, $"exit {silo.ExitCode}: {output}");
            var cases = await store.GetCasesAsync("sigterm", Ct);
            // Nothing left to wait out its 60 s lease: the running case went back to pending as the worker stopped.
            Assert.DoesNotContain(cases, c => c.Status == CaseStatus.Leased);
            Assert.Contains(cases, c => c.Status == CaseStatus.Pending);
            Assert.Equal(SweepStatus.Running, (await store.GetSweepAsync("sigterm", Ct))!.Status);
        }
        finally
        {
            if (!silo.HasExited) silo.Kill(entireProcessTree: true);
        }
    }

    private static Process StartSilo(string folder, string db, int gateway)
    {
        string exe = Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo");
        var psi = new ProcessStartInfo(File.Exists(exe) ? exe : "dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (!File.Exists(exe)) psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo.dll"));
        psi.Environment["HYPERBENCH__DB"] = db;
        psi.Environment["HYPERBENCH__DEVICES"] = "cpu";
        psi.Environment["HYPERBENCH__SILOPORT"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        psi.Environment["HYPERBENCH__GATEWAYPORT"] = gateway.ToString(CultureInfo.InvariantCulture);
        psi.Environment["HYPERBENCH__IDLEPOLLMILLISECONDS"] = "50";
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        return Process.Start(psi)!;
    }

    /// <summary>A cluster client on the silo's gateway, retried until the silo is up (its start takes a few seconds).</summary>
    private static async Task<IHost> ConnectAsync(int gateway, Process silo)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["HyperBench:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            });
            builder.AddHyperBenchClient();
            var host = builder.Build();
            try
            {
                await host.StartAsync(Ct);
                return host;
            }
            catch (Exception) when (clock.Elapsed < TimeSpan.FromSeconds(60) && !silo.HasExited)
            {
                host.Dispose();
                await Task.Delay(250, Ct);
            }
        }
    }
}
