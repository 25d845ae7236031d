using HyperBench.Contracts;
using HyperBench.Hosting;
using HyperBench.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace HyperBench.Grains.Tests;

/// <summary>An in-process cluster of silos, each with one cpu device worker, over one store; timings shortened for tests.</summary>
internal sealed class SweepCluster : IAsyncDisposable
{
    private SweepCluster(InProcessTestCluster cluster, ISweepStore store)
    {
        Cluster = cluster;
        Store = store;
    }

    public InProcessTestCluster Cluster { get; }

    public ISweepStore Store { get; }

    public IGrainFactory Grains => Cluster.Client;

    /// <param name="dieAfterLeases">
    /// Per silo (index in <c>Cluster.Silos</c>): its worker dies holding its Nth lease (<see cref="DieAfterLeases"/>); 0 = healthy.
    /// </param>
    /// <param name="serviceId">The cluster's service id (HyperBench:ServiceId): it owns the sweeps it creates.</param>
    /// <param name="rejectFirstCompletion">
    /// When set, each lease's first <c>CompleteAsync</c> is rejected as a dying silo rejects messages (its lease id is added here),
    /// as when the silo hosting the sweep grain goes down between a case's end and its completion.
    /// </param>
    public static async Task<SweepCluster> StartAsync(ISweepStore store, short silos = 2, int[]? dieAfterLeases = null,
        System.Collections.Concurrent.ConcurrentDictionary<string, bool>? rejectFirstCompletion = null, Action<ISiloBuilder>? configureSilo = null,
        string serviceId = SweepRow.DefaultServiceId, CancellationToken cancellationToken = default)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId;
        builder.ConfigureSilo((options, silo) =>
        {
            // By name ("Silo_1" is Silos[1]), not by call order: the silos are configured concurrently.
            int index = int.Parse(options.SiloName[(options.SiloName.LastIndexOf('_') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            silo.Services.AddSingleton(store);
            if (rejectFirstCompletion is not null)
            {
                silo.AddIncomingGrainCallFilter(context =>
                    context.MethodName == nameof(ISweepGrain.CompleteAsync) && context.Request.GetArgument(0) is string leaseId &&
                    rejectFirstCompletion.TryAdd(leaseId, true)
                        ? throw new SiloUnavailableException($"test: the silo of the sweep grain is going (lease {leaseId})")
                        : context.Invoke());
            }
            silo.AddHyperBenchGrains(o =>
            {
                o.DeviceGoneAfter = TimeSpan.FromSeconds(10);
                o.MaxCheckPeriod = TimeSpan.FromMilliseconds(250);
                // Every sweep of more cases than this (most tests') starts before its last cases are stored, as a fleet's sweeps do.
                o.CasesStoredAtStart = CasesStoredAtStart;
            });
            silo.Services.AddHyperBenchDeviceWorkers(o =>
            {
                o.Devices = "cpu";
                o.DeviceMemoryLimitBytes = TinyPlans.DeviceMemoryBytes;
                o.HeartbeatSeconds = 0.3;
                o.IdlePollMilliseconds = 20;
            });
            configureSilo?.Invoke(silo);
            if (dieAfterLeases is not null && index < dieAfterLeases.Length && dieAfterLeases[index] > 0)
                silo.Services.AddSingleton<IDeviceWorkerFaults>(new DieAfterLeases(dieAfterLeases[index]));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync(cancellationToken);
        return new SweepCluster(cluster, store);
    }

    /// <summary>The sweeps of these clusters store this many cases with themselves and the rest while they run.</summary>
    public const int CasesStoredAtStart = 3;

    public ISweepGrain Sweep(string sweepId) => Grains.GetGrain<ISweepGrain>(sweepId);

    /// <summary>Polls until the sweep has finished (completed or cancelled), or the token fires.</summary>
    public async Task<SweepStatusView> WaitFinishedAsync(string sweepId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            var status = await Sweep(sweepId).GetStatusAsync();
            if (status.Finished) return status;
            await Task.Delay(50, cts.Token);
        }
    }

    public async Task<SweepStatusView> WaitUntilAsync(string sweepId, Func<SweepStatusView, bool> condition, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        while (true)
        {
            var status = await Sweep(sweepId).GetStatusAsync();
            if (condition(status)) return status;
            await Task.Delay(20, cts.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
