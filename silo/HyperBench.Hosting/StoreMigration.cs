using HyperBench.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>
/// Applies the store's migrations before any grain can run (grains read the store on activation), waiting for a database that cannot
/// be reached yet (<see cref="StartupRetry"/>).
/// </summary>
internal sealed class StoreMigration(ISweepStore store, IOptions<HyperBenchSiloOptions> options, ILogger<StoreMigration> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoreMigration), ServiceLifecycleStage.RuntimeInitialize, async ct =>
        {
            await StartupRetry.RunAsync("results store", store.MigrateAsync, TimeSpan.FromSeconds(options.Value.StartupRetrySeconds), logger, ct);
            logger.LogInformation("Store ready: {Provider} {Description}", store.Provider, store.Description);
        });
}
