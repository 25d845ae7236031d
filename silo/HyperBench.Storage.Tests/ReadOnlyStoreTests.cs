using System.Security.Cryptography;

namespace HyperBench.Storage.Tests;

/// <summary>Opening a store to read changes nothing: no file, directory or schema is created, and a file's bytes stay as they were.</summary>
public sealed class ReadOnlyStoreTests
{
    [Theory]
    [InlineData(0, "has no HyperBench schema")]
    [InlineData(3, "is not a SQLite database")]
    public async Task OpenReadOnly_FileWithoutSchema_ThrowsAndLeavesTheBytes(int kind, string expected)
    {
        string path = Path.Combine(TempDirectory(), "x.db");
        await File.WriteAllBytesAsync(path, kind == 0 ? [] : "not a database at all\n"u8.ToArray(), TestContext.Current.CancellationToken);
        byte[] before = SHA256.HashData(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken));

        var error = await Assert.ThrowsAsync<InvalidStoreException>(() =>
            SweepStoreFactory.OpenReadOnlyAsync(path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task OpenReadOnly_MissingFile_ThrowsNamingItAndCreatesNothing()
    {
        string dir = TempDirectory();
        string path = Path.Combine(dir, "sub", "missing.db");

        var error = await Assert.ThrowsAsync<InvalidStoreException>(() =>
            SweepStoreFactory.OpenReadOnlyAsync(path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("missing.db", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public async Task OpenReadOnly_MigratedDatabase_ReadsItsSweeps()
    {
        string path = Path.Combine(TempDirectory(), "hb.db");
        await using (var writer = SweepStoreFactory.Create(path))
        {
            await writer.MigrateAsync(TestContext.Current.CancellationToken);
            await writer.CreateSweepAsync(new SweepRow { SweepId = "s1", PlanJson = "{}", MeasurementJson = "{}", CreatedUtc = DateTime.UtcNow }, [],
                TestContext.Current.CancellationToken);
        }

        await using var reader = await SweepStoreFactory.OpenReadOnlyAsync(path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("s1", Assert.Single(await reader.ListSweepsAsync(10, TestContext.Current.CancellationToken)).SweepId);
    }

    [Fact]
    public void Check_UnusableSqlitePaths_NameThePathAndCreateNothing()
    {
        string dir = TempDirectory();
        File.WriteAllText(Path.Combine(dir, "afile"), "x");
        Directory.CreateDirectory(Path.Combine(dir, "adir"));

        Assert.Contains("is a directory", Assert.Throws<InvalidStoreException>(() => SweepStoreFactory.Check(Path.Combine(dir, "adir"))).Message, StringComparison.Ordinal);
        Assert.Contains("is a file, not a directory",
            Assert.Throws<InvalidStoreException>(() => SweepStoreFactory.Check(Path.Combine(dir, "afile", "x.db"))).Message, StringComparison.Ordinal);
        SweepStoreFactory.Check(Path.Combine(dir, "new", "fine.db"));
        Assert.Equal(["adir", "afile"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order());
    }

    private static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hyperbench-storage-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
