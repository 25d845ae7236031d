namespace HyperBench.Storage.Tests;

/// <summary>The storage tests on PostgreSQL: a fresh database per test on the server of <see cref="PostgresFixture"/>.</summary>
public sealed class PostgresSweepStoreTests(PostgresFixture postgres) : SweepStoreTests
{
    protected override string ExpectedProvider => "postgresql";

    protected override Task<string> CreateDatabaseAsync() => postgres.CreateDatabaseAsync(Ct);

    protected override Task DropDatabaseAsync(string db) => postgres.DropDatabaseAsync(db);
}
