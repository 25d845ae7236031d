using HyperBench.Cli.Plans;

namespace HyperBench.Cli.Tests;

public sealed class OutputPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hyperbench-output-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteAllText_File_ReplacesItWholeAndLeavesNoTemporary()
    {
        string path = Path.Combine(_dir, "report.json");
        File.WriteAllText(path, "old and longer");

        OutputPath.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(["report.json"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    /// <summary>
    /// A rename over a link replaces the link (and over /dev/null, as root, the device node: the machine loses /dev/null). The
    /// link case stands for both: it is safe to test.
    /// </summary>
    [Fact]
    public void WriteAllText_Link_WritesThroughItAndKeepsTheLink()
    {
        string target = Path.Combine(_dir, "target.json");
        File.WriteAllText(target, "old");
        string link = Path.Combine(_dir, "link.json");
        File.CreateSymbolicLink(link, target);

        OutputPath.WriteAllText(link, "new");

        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.Equal("new", File.ReadAllText(target));
    }
}
