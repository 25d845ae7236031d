using HyperBench.Contracts;
using HyperBench.Hosting;
using System.Net;
using System.Net.Sockets;
using HyperBench.Kernels.Measurement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HyperBench.Grains.Tests;

/// <summary>The wiring the standalone silo and the CLI share: options validation and the embedded one-process cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HostingTests
{
    [Theory]
    [InlineData("Clustering", "bogus", "HyperBench:Clustering")]
    [InlineData("Devices", "tpu:0", "HyperBench:Devices")]
    [InlineData("AdvertisedIp", "not-an-ip", "HyperBench:AdvertisedIp")]
    [InlineData("ListenAddress", "everywhere", "HyperBench:ListenAddress")]
    [InlineData("SiloPort", "0", "HyperBench:SiloPort")]
    [InlineData("SiloPort", "eleven", "HyperBench:SiloPort")]
    [InlineData("HeartbeatSeconds", "-1", "HyperBench:HeartbeatSeconds")]
    [InlineData("DeviceMemoryLimitBytes", "lots", "HyperBench:DeviceMemoryLimitBytes")]
    [InlineData("DeviceGoneSeconds", "0", "HyperBench:DeviceGoneSeconds")]
    [InlineData("SchedulerTickSeconds", "30", "HyperBench:SchedulerTickSeconds")]
    [InlineData("StartupRetrySeconds", "-1", "HyperBench:StartupRetrySeconds")]
    [InlineData("Membership:ProbeTimeoutSeconds", "0", "HyperBench:Membership:ProbeTimeoutSeconds")]
    [InlineData("Membership:NumMissedProbesLimit", "none", "HyperBench:Membership:NumMissedProbesLimit")]
    [InlineData("Membership:NumVotesForDeathDeclaration", "0", "HyperBench:Membership:NumVotesForDeathDeclaration")]
    [InlineData("Membership:DeathVoteExpirationSeconds", "3", "HyperBench:Membership:DeathVoteExpirationSeconds")]
    [InlineData("Membership:IAmAliveTablePublishSeconds", "0", "HyperBench:Membership:IAmAliveTablePublishSeconds")]
    [InlineData("Membership:TableRefreshSeconds", "NaN", "HyperBench:Membership:TableRefreshSeconds")]
    public void Settings_BadValue_NamesTheKeyAndTheValue(string key, string value, string expected)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => HyperBenchSettings.Read(Settings(("HyperBench:" + key, value))));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_SchedulerTickSeconds_IsReadWithItsDefault()
    {
        Assert.Equal(60, HyperBenchSettings.Read(Settings(("HyperBench:Devices", "cpu"))).Silo.SchedulerTickSeconds);
        Assert.Equal(300, HyperBenchSettings.Read(Settings(("HyperBench:Devices", "cpu"), ("HyperBench:SchedulerTickSeconds", "300"))).Silo.SchedulerTickSeconds);
    }

    [Fact]
    public void Settings_AdonetWithoutConnectionString_NamesTheKey()
    {
        var ex = Assert.Throws<OptionsValidationException>(() => HyperBenchSettings.Read(Settings(("HyperBench:Clustering", "adonet"))));

        Assert.Contains("HyperBench:ClusteringConnectionString", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_SeveralBadValues_NamesEach()
    {
        var ex = Assert.Throws<OptionsValidationException>(() =>
            HyperBenchSettings.Read(Settings(("HyperBench:GatewayPort", "70000"), ("HyperBench:IdlePollMilliseconds", "5"))));

        Assert.Contains("HyperBench:GatewayPort = '70000'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HyperBench:IdlePollMilliseconds = '5'", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>One section feeds both options: the workers' settings are bound from the keys a silo reads, not copied over.</summary>
    [Fact]
    public void Settings_OneSection_BindsSiloAndWorkerOptions()
    {
        var (silo, workers) = HyperBenchSettings.Read(Settings(
            ("HyperBench:Db", "x.db"), ("HyperBench:GatewayPort", "30005"), ("HyperBench:Devices", "cpu"),
            ("HyperBench:HeartbeatSeconds", "0.5"), ("HyperBench:IdlePollMilliseconds", "40"), ("HyperBench:DeviceMemoryLimitBytes", "1048576")));

        Assert.Equal(("x.db", 30005), (silo.Db, silo.GatewayPort));
        Assert.Equal(("cpu", 0.5, 40, 1048576L), (workers.Devices, workers.HeartbeatSeconds, workers.IdlePollMilliseconds, workers.DeviceMemoryLimitBytes));
    }

    [Fact]
    public void Settings_NoDb_IsTheSharedDefaultUnderTheWorkingDirectory()
    {
        var (silo, _) = HyperBenchSettings.Read(Settings());

        Assert.Equal(HyperBenchSiloOptions.DefaultDb, silo.Db);
        Assert.Equal(Path.Combine("hyperbench-results", "hyperbench.db"), Path.Combine(HyperBenchSiloOptions.DefaultDb.Split('/')));
    }

    [Fact]
    public async Task EmbeddedCluster_BadSetting_RefusesToStartNamingTheKey()
    {
        var settings = Settings(("HyperBench:Devices", "cpu"), ("HyperBench:DeviceGoneSeconds", "0"));

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EmbeddedCluster.StartAsync(settings, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("HyperBench:DeviceGoneSeconds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedCluster_SubmitTinySweep_CompletesAndStoresResults()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-embedded-");
        try
        {
            // A cluster silo's ports in the settings: the embedded silo takes free ports of its own all the same.
            await using (var cluster = await EmbeddedCluster.StartAsync(Settings(
                ("HyperBench:Db", Path.Combine(folder.FullName, "results.db")), ("HyperBench:Devices", "cpu"),
                ("HyperBench:SiloPort", "1"), ("HyperBench:GatewayPort", "2"), ("HyperBench:Clustering", "adonet")), cancellationToken: ct))
            {
                string id = EmbeddedCluster.NewSweepId();
                var plan = TinyPlans.Flash([64, 128, 192]);
                var seen = new List<SweepStatusView>();

                await cluster.Sweep(id).StartAsync(plan);
                var status = await cluster.WaitAsync(id, new Progress<SweepStatusView>(seen.Add), TimeSpan.FromMilliseconds(50), ct)
                    .WaitAsync(TimeSpan.FromSeconds(60), ct);

                Assert.Equal(SweepStatus.Completed, status.Status);
                Assert.Equal(3, status.Done);
                Assert.Equal(3, (await cluster.Store.GetResultsAsync(id, ct)).Count);
                var device = Assert.Single(await cluster.DevicesAsync());
                Assert.Equal("cpu", device.Kind);
                Assert.EndsWith("/cpu", device.DeviceKey, StringComparison.Ordinal);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Client_RemoteCluster_SubmitsAndPollsSweep()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-client-");
        int gateway = LoopbackPorts.Free();
        try
        {
            await using var cluster = await EmbeddedCluster.StartAsync(
                Settings(("HyperBench:Db", Path.Combine(folder.FullName, "results.db")), ("HyperBench:Devices", "cpu")),
                new EmbeddedClusterOptions { GatewayPort = gateway }, ct);
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HyperBench:GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            builder.AddHyperBenchClient();
            using var host = builder.Build();
            await host.StartAsync(ct);
            var client = host.Services.GetRequiredService<IClusterClient>();

            await client.GetGrain<ISweepGrain>("remote").StartAsync(TinyPlans.Flash([64, 128]));
            SweepStatusView status;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            while (!(status = await client.GetGrain<ISweepGrain>("remote").GetStatusAsync()).Finished) await Task.Delay(50, timeout.Token);
            await host.StopAsync(ct);

            Assert.Equal(SweepStatus.Completed, status.Status);
            Assert.Equal(2, status.Done);
            Assert.Equal(2, (await cluster.Store.GetResultsAsync("remote", ct)).Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static IConfiguration Settings(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    [Theory]
    [InlineData(null, "127.0.0.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    public void AdonetSilo_ListenAddress_BindsAdvertisedAddressUnlessOpened(string? listen, string expected)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Clustering"] = "adonet",
            ["HyperBench:ClusteringConnectionString"] = "Host=127.0.0.1;Database=none",
            ["HyperBench:AdvertisedIp"] = "127.0.0.1",
            ["HyperBench:ListenAddress"] = listen,
        });
        builder.AddHyperBenchOrleans();
        using var host = builder.Build();

        var endpoints = host.Services.GetRequiredService<IOptions<Orleans.Configuration.EndpointOptions>>().Value;

        // Unset listening endpoints mean the advertised address: never every interface unless asked.
        Assert.Equal(IPAddress.Parse(expected), endpoints.SiloListeningEndpoint?.Address ?? endpoints.AdvertisedIPAddress);
        Assert.Equal(IPAddress.Parse(expected), endpoints.GatewayListeningEndpoint?.Address ?? endpoints.AdvertisedIPAddress);
    }
}
