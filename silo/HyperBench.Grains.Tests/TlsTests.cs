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

/// <summary>
/// HyperBench:Tls on two silos on loopback (certificates made by the test, <see cref="TestCertificates"/>): the second silo joins
/// the first over TLS; a client without a certificate, or with one from another CA, cannot connect; with the right one a sweep
/// completes (docs/security.md).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TlsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    // The trusted client starts in about a second here; one refused is given this long to get in.
    private static readonly TimeSpan RefusedBound = TimeSpan.FromSeconds(10);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TlsCluster_ClientWithoutOrWithUntrustedCertificate_IsRefused_WithTrustedCertificate_RunsSweep()
    {
        using var certificates = TestCertificates.Create();
        await using var db = await TestPostgres.CreateDatabaseAsync(Ct);
        var silo = new Dictionary<string, string?>
        {
            ["HyperBench:Tls:CertificatePath"] = certificates.SiloPfxPath,
            ["HyperBench:Tls:CertificatePassword"] = TestCertificates.PfxPassword,
            ["HyperBench:Tls:CaPath"] = certificates.CaPath,
        };
        int[] ports = [LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free(), LoopbackPorts.Free()];
        using var first = BuildSilo(db.ConnectionString, ports[0], ports[1], primary: null, silo);
        using var second = BuildSilo(db.ConnectionString, ports[2], ports[3], primary: $"127.0.0.1:{ports[0]}", silo);
        try
        {
            await first.StartAsync(Ct).WaitAsync(Bound, Ct);
            await second.StartAsync(Ct).WaitAsync(Bound, Ct);
            var management = first.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
            Assert.Equal(2, (await PollAsync(() => management.GetHosts(onlyActive: true), h => h.Count == 2)).Count);

            // No certificate: plain TCP against a TLS gateway.
            await AssertRefusedAsync(ports[1], []);
            // A certificate the silos do not trust (another CA), presented with the silos' CA trusted by the client.
            await AssertRefusedAsync(ports[1], new Dictionary<string, string?>
            {
                ["HyperBench:Tls:CertificatePath"] = certificates.RogueClientPfxPath,
                ["HyperBench:Tls:CertificatePassword"] = TestCertificates.PfxPassword,
                ["HyperBench:Tls:CaPath"] = certificates.CaPath,
            });

            using var client = BuildClient(ports[1], new Dictionary<string, string?>
            {
                ["HyperBench:Tls:CertificatePath"] = certificates.ClientCertPath,
                ["HyperBench:Tls:KeyPath"] = certificates.ClientKeyPath,
                ["HyperBench:Tls:CaPath"] = certificates.CaPath,
            });
            await client.StartAsync(Ct).WaitAsync(Bound, Ct);
            var grains = client.Services.GetRequiredService<IClusterClient>();
            const string id = "tls-sweep";
            await grains.GetGrain<ISweepGrain>(id).StartAsync(TinyPlans.Flash([64, 96, 128, 160]));
            var status = await PollAsync(() => grains.GetGrain<ISweepGrain>(id).GetStatusAsync(), s => s.Finished);
            await client.StopAsync(Ct);

            Assert.Equal(SweepStatus.Completed, status.Status);
            Assert.Equal(4, status.Done);
            Assert.Equal(4, (await first.Services.GetRequiredService<ISweepStore>().GetResultsAsync(id, Ct)).Count);
        }
        finally
        {
            await Task.WhenAll(StopAsync(second), StopAsync(first));
        }
    }

    [Fact]
    public void Settings_TlsWithoutTrust_IsInvalidNamingTheKeys()
    {
        using var certificates = TestCertificates.Create();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:Tls:CertificatePath"] = certificates.SiloPfxPath,
            ["HyperBench:Tls:AllowedThumbprints"] = "not-hex",
        }).Build();

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => HyperBenchSettings.Read(configuration));

        Assert.Contains(ex.Failures, f => f.Contains("HyperBench:Tls:AllowedThumbprints: 'NOT-HEX'", StringComparison.Ordinal));
    }

    [Fact]
    public void Certificate_WrongPassword_FailsNamingTheKeysNotThePassword()
    {
        using var certificates = TestCertificates.Create();
        var options = new HyperBenchTlsOptions { CertificatePath = certificates.SiloPfxPath, CertificatePassword = "wrong-password-xyz", CaPath = certificates.CaPath };

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => TlsExtensions.LoadCertificate(options));

        Assert.Contains("HyperBench:Tls:CertificatePath", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HyperBench:Tls:CertificatePassword", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-xyz", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerTrust_OtherCaOrSelfSigned_IsRejectedUnlessItsThumbprintIsListed()
    {
        using var certificates = TestCertificates.Create();
        using var silo = X509Load(certificates.SiloPfxPath);
        using var rogue = X509Load(certificates.RogueClientPfxPath);
        var byCa = new TlsExtensions.PeerTrust(new HyperBenchTlsOptions { CaPath = certificates.CaPath });
        var byThumbprint = new TlsExtensions.PeerTrust(new HyperBenchTlsOptions { AllowedThumbprints = rogue.Thumbprint.ToLowerInvariant() });

        Assert.True(byCa.Validate(silo, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(byCa.Validate(rogue, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.True(byThumbprint.Validate(rogue, null, System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(byThumbprint.Validate(silo, null, System.Net.Security.SslPolicyErrors.None));
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 X509Load(string pfx) =>
        System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12FromFile(pfx, TestCertificates.PfxPassword);

    /// <summary>
    /// The client never gets in: the gateway ends every handshake it cannot authenticate, and Orleans' client keeps trying, so its
    /// start fails or is still trying at the bound (the CLI gives up after 30 s the same way). Slowness can only make this pass
    /// later, never wrongly: a client the gateway let in would have started within the bound.
    /// </summary>
    private static async Task AssertRefusedAsync(int gatewayPort, Dictionary<string, string?> tls)
    {
        using var client = BuildClient(gatewayPort, tls);
        await Assert.ThrowsAnyAsync<Exception>(() => client.StartAsync(Ct).WaitAsync(RefusedBound, Ct));
    }

    private static IHost BuildSilo(string connectionString, int siloPort, int gatewayPort, string? primary, Dictionary<string, string?> tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "hyperbench-tls-test" });
        string s = HyperBenchSiloOptions.Section + ":";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [s + nameof(HyperBenchSiloOptions.Db)] = connectionString,
            [s + nameof(DeviceWorkerOptions.Devices)] = "cpu",
            [s + nameof(HyperBenchSiloOptions.SiloPort)] = siloPort.ToString(CultureInfo.InvariantCulture),
            [s + nameof(HyperBenchSiloOptions.GatewayPort)] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            [s + nameof(HyperBenchSiloOptions.PrimarySiloEndpoint)] = primary,
            [s + nameof(DeviceWorkerOptions.DeviceMemoryLimitBytes)] = TinyPlans.DeviceMemoryBytes.ToString(CultureInfo.InvariantCulture),
            [s + nameof(DeviceWorkerOptions.HeartbeatSeconds)] = "0.3",
            [s + nameof(DeviceWorkerOptions.IdlePollMilliseconds)] = "20",
        });
        builder.Configuration.AddInMemoryCollection(tls);
        builder.AddHyperBenchStorage();
        builder.AddHyperBenchOrleans();
        builder.AddHyperBenchDeviceWorkers();
        return builder.Build();
    }

    private static IHost BuildClient(int gatewayPort, Dictionary<string, string?> tls)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HyperBench:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        });
        builder.Configuration.AddInMemoryCollection(tls);
        builder.AddHyperBenchClient();
        return builder.Build();
    }

    private static async Task StopAsync(IHost host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StopAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // never started: the start failure is the test's error
        }
    }

    private static Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done) =>
        Poll.UntilAsync(read, done, Bound, TimeSpan.FromMilliseconds(50), Ct);
}
