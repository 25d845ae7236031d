namespace HyperBench.Storage.Tests;

/// <summary>The storage tests on a SQLite file in a temp folder per test.</summary>
public sealed class SqliteSweepStoreTests : SweepStoreTests
{
    protected override string ExpectedProvider => "sqlite";

    protected override Task<string> CreateDatabaseAsync() =>
        Task.FromResult(Path.Combine(Directory.CreateTempSubdirectory("hyperbench-sqlite-").FullName, "results.db"));

    protected override Task DropDatabaseAsync(string db)
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(db)!, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }
}
