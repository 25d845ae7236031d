using HyperBench.Storage;
using Microsoft.Extensions.Logging;

namespace HyperBench.Hosting;

/// <summary>Applies the store's migrations before any grain can run (grains read the store on activation).</summary>
internal sealed class StoreMigration(ISweepStore store, ILogger<StoreMigration> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoreMigration), ServiceLifecycleStage.RuntimeInitialize, async ct =>
        {
            await store.MigrateAsync(ct);
            logger.LogInformation("Store ready: {Provider} {Description}", store.Provider, store.Description);
        });
}
