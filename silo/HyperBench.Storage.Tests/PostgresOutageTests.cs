using HyperBench.TestSupport;

namespace HyperBench.Storage.Tests;

/// <summary>
/// The database goes away under a running writer and comes back: nothing measured may be lost. Needs a server of its
/// own to stop and start (a private one; skipped when only HYPERBENCH_TEST_POSTGRES is given).
/// </summary>
public sealed class PostgresOutageTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly SweepStoreOptions ShortRetries = new()
    {
        RetryWindow = TimeSpan.FromSeconds(2),
        FirstRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromMilliseconds(500),
    };

    [Fact]
    public async Task BufferedResultWriter_DatabaseStoppedThenRestarted_KeepsResultsAndStoresAllAfterRestart()
    {
        await using var server = await StartPrivateServerAsync();
        // Password given although the server trusts: it must not appear in any message.
        await using var store = SweepStoreFactory.Create(server.ConnectionString() + ";Password=s3cret", options: ShortRetries);
        await store.MigrateAsync(Ct);
        var plan = Enumerable.Range(1, 10).Select(i => TestData.Case(64 * i)).ToArray();
        var (sweep, cases) = TestData.Sweep(plan);
        await store.CreateSweepAsync(sweep, cases, Ct);
        await using var writer = new BufferedResultWriter(store,
            new BufferedResultWriterOptions { FirstRetryDelay = TimeSpan.FromMilliseconds(200), MaxRetryDelay = TimeSpan.FromSeconds(1) });

        var before = plan[..3].Select(c => writer.Enqueue(sweep.SweepId, TestData.Result(c, 100), TestData.Environment(), "node-a/cpu:0", 1)).ToList();
        await writer.FlushAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.All(before, t => Assert.True(t.Result));

        await server.StopAsync(Ct);
        var during = plan[3..].Select(c => writer.Enqueue(sweep.SweepId, TestData.Result(c, 100), TestData.Environment(), "node-a/cpu:0", 1)).ToList();
        var down = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.GetResultsAsync(sweep.SweepId, Ct));
        Assert.Contains($"127.0.0.1:{server.Port}", down.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", down.Message, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct); // longer than the store's retry window: the writer must hold on
        Assert.Equal(7, writer.Pending);
        Assert.All(during, t => Assert.False(t.IsCompleted));

        await server.StartAsync(Ct);
        await writer.FlushAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(0, writer.Pending);
        Assert.All(during, t => Assert.True(t.IsCompletedSuccessfully && t.Result));
        var rows = await store.GetResultsAsync(sweep.SweepId, Ct);
        Assert.Equal(plan.Select(c => c.Id), rows.Select(r => r.CaseId));
        Assert.All(rows, r => Assert.Equal(100, r.SampleCount));
        foreach (var c in plan) Assert.Equal(TestData.Samples(100), await store.GetSamplesAsync(sweep.SweepId, c.Id, Ct));
    }

    [Fact]
    public async Task GetSweepAsync_ServerBackWithinRetryWindow_Succeeds()
    {
        await using var server = await StartPrivateServerAsync();
        await using var store = SweepStoreFactory.Create(server.ConnectionString(), options: new SweepStoreOptions
        {
            RetryWindow = TimeSpan.FromSeconds(30),
            FirstRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        });
        await store.MigrateAsync(Ct);
        var (sweep, cases) = TestData.Sweep(TestData.Case(128));
        await store.CreateSweepAsync(sweep, cases, Ct);

        await server.StopAsync(Ct);
        Task<SweepRow?> read = store.GetSweepAsync(sweep.SweepId, Ct);
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        Assert.False(read.IsCompleted);
        await server.StartAsync(Ct);

        var loaded = await read.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(sweep.SweepId, loaded!.SweepId);
    }

    private async Task<PostgresServer> StartPrivateServerAsync()
    {
        postgres.EnsureAvailable();
        if (PostgresServer.BinDirectory is null)
        {
            if (PostgresFixture.Required) Assert.Fail("the outage tests need PostgreSQL binaries to run a private server (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip("the outage tests need PostgreSQL binaries to run a private server they can stop; only HYPERBENCH_TEST_POSTGRES is set");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        return await PostgresServer.StartNewAsync(timeout.Token);
    }

}
