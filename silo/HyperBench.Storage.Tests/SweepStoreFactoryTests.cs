using Microsoft.Data.Sqlite;

namespace HyperBench.Storage.Tests;

/// <summary>Which database a configuration value selects, and that a bad value is named (password masked).</summary>
public sealed class SweepStoreFactoryTests
{
    [Theory]
    [InlineData("mysql://root:hunter2@db:3306/bench", "mysql://root:***@db:3306/bench")]
    [InlineData("Server=db;Uid=root;Password=hunter2;Flavor=mysql", "Password=***")]
    [InlineData("Foo=bar", "Foo=bar")]
    [InlineData("   ", "''")]
    [InlineData("sqlite:", "sqlite:")]
    public void Create_NeitherSqliteNorPostgres_NamesTheValueWithoutPassword(string db, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => SweepStoreFactory.Create(db));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", error.Message, StringComparison.Ordinal);
        Assert.Equal("db", error.ParamName);
    }

    [Theory]
    [InlineData("postgres://bench:s3cret@db.example:6543/hyperbench?sslmode=disable", "postgresql://bench@db.example:6543/hyperbench")]
    [InlineData("postgresql://bench:s3cret@db.example/hyperbench", "postgresql://bench@db.example:5432/hyperbench")]
    [InlineData("Host=db.example;Port=6543;Database=hyperbench;Username=bench;Password=s3cret", "postgresql://bench@db.example:6543/hyperbench")]
    public async Task Create_PostgresForms_DescriptionNamesHostAndDatabaseButNoPassword(string db, string description)
    {
        await using var store = SweepStoreFactory.Create(db);

        Assert.Equal("postgresql", store.Provider);
        Assert.Equal(description, store.Description);
        Assert.DoesNotContain("s3cret", store.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("results.db")]
    [InlineData("sqlite:results.db")]
    [InlineData("Data Source=results.db;Cache=Shared")]
    public async Task Create_SqliteForms_SelectSqliteWithThatFile(string db)
    {
        string folder = Directory.CreateTempSubdirectory("hyperbench-factory-").FullName;
        string current = Environment.CurrentDirectory;
        await using var store = SweepStoreFactory.Create(db.Replace("results.db", Path.Combine(folder, "results.db"), StringComparison.Ordinal));

        Assert.Equal("sqlite", store.Provider);
        Assert.Equal("sqlite:" + Path.Combine(folder, "results.db"), store.Description);
        Directory.Delete(folder, recursive: true);
        Assert.Equal(current, Environment.CurrentDirectory);
    }

    [Fact]
    public async Task MigrateAsync_PostgresNotListening_ThrowsStorageUnavailableNamingDatabaseWithoutPassword()
    {
        int port = FreePort();
        await using var store = SweepStoreFactory.Create($"Host=127.0.0.1;Port={port};Database=nowhere;Username=bench;Password=s3cret;Timeout=2",
            options: new SweepStoreOptions { RetryWindow = TimeSpan.FromSeconds(1.5), FirstRetryDelay = TimeSpan.FromMilliseconds(100) });
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<StorageUnavailableException>(() => store.MigrateAsync(TestContext.Current.CancellationToken));

        Assert.Contains($"postgresql://bench@127.0.0.1:{port}/nowhere", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        // It retried for the window (more than one attempt), and gave up soon after it.
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.4, 15);
    }

    [Fact]
    public async Task SaveSweep_SqliteFileLockedByAnotherWriter_WaitsAndSucceeds()
    {
        string folder = Directory.CreateTempSubdirectory("hyperbench-busy-").FullName;
        string path = Path.Combine(folder, "results.db");
        var ct = TestContext.Current.CancellationToken;
        await using (var store = SweepStoreFactory.Create(path))
        {
            await store.MigrateAsync(ct);
            await using var holder = new SqliteConnection($"Data Source={path};Pooling=False");
            await holder.OpenAsync(ct);
            await using var transaction = holder.BeginTransaction(deferred: false); // holds the write lock
            var (sweep, cases) = TestData.Sweep(TestData.Case(128));

            var write = store.CreateSweepAsync(sweep, cases, ct);
            await Task.Delay(700, ct);
            Assert.False(write.IsCompleted);
            await transaction.CommitAsync(ct);
            await write.WaitAsync(TimeSpan.FromSeconds(30), ct);

            Assert.Equal(sweep.SweepId, (await store.GetSweepAsync(sweep.SweepId, ct))!.SweepId);
        }
        Directory.Delete(folder, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
