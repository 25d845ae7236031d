namespace HyperBench.Storage.Tests;

/// <summary>The embedded migration files and the dialect switch.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void LoadEmbedded_InfraSqlFiles_AreEmbeddedInVersionOrder()
    {
        var migrations = Migration.LoadEmbedded();

        Assert.Equal("0001_initial_schema.sql", migrations[0].Name);
        Assert.Equal(1, migrations[0].Version);
        Assert.Equal(migrations.Select(m => m.Version).Order(), migrations.Select(m => m.Version));
        Assert.Contains("CREATE TABLE IF NOT EXISTS results", migrations[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void TextFor_OnlyMarkers_KeepLinesOfThatDatabaseOnly()
    {
        var migration = new Migration(9, "0009_x.sql", "CREATE TABLE t (a INTEGER);\nCREATE INDEX i ON t USING brin (a); -- only:postgresql\nPRAGMA x; --only: sqlite\n");

        string postgres = migration.TextFor("postgresql");
        string sqlite = migration.TextFor("sqlite");

        Assert.Contains("USING brin", postgres, StringComparison.Ordinal);
        Assert.DoesNotContain("PRAGMA", postgres, StringComparison.Ordinal);
        Assert.Contains("PRAGMA", sqlite, StringComparison.Ordinal);
        Assert.DoesNotContain("USING brin", sqlite, StringComparison.Ordinal);
        Assert.Contains("CREATE TABLE t", sqlite, StringComparison.Ordinal);
    }
}
