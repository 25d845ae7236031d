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
    public void Validator_BadSetting_NamesTheKey(string key, string value, string expected)
    {
        var options = new HyperBenchSiloOptions();
        typeof(HyperBenchSiloOptions).GetProperty(key)!.SetValue(options, value);

        var result = new HyperBenchSiloOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(value, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_AdonetWithoutConnectionString_NamesTheKey()
    {
        var result = new HyperBenchSiloOptionsValidator().Validate(null, new HyperBenchSiloOptions { Clustering = "adonet" });

        Assert.Contains("HyperBench:ClusteringConnectionString", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedCluster_BadSetting_RefusesToStartNamingTheKey()
    {
        var options = new EmbeddedClusterOptions { Devices = "cpu", Settings = new Dictionary<string, string?> { ["HyperBench:DeviceGoneSeconds"] = "0" } };

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => EmbeddedCluster.StartAsync(options, TestContext.Current.CancellationToken));

        Assert.Contains("HyperBench:DeviceGoneSeconds", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmbeddedCluster_SubmitTinySweep_CompletesAndStoresResults()
    {
        var ct = TestContext.Current.CancellationToken;
        var folder = Directory.CreateTempSubdirectory("hyperbench-embedded-");
        try
        {
            await using (var cluster = await EmbeddedCluster.StartAsync(
                new EmbeddedClusterOptions { Db = Path.Combine(folder.FullName, "results.db"), Devices = "cpu" }, ct))
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
        int gateway = FreePort();
        try
        {
            await using var cluster = await EmbeddedCluster.StartAsync(
                new EmbeddedClusterOptions { Db = Path.Combine(folder.FullName, "results.db"), Devices = "cpu", GatewayPort = gateway }, ct);
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
