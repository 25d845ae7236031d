using HyperBench.Cli.Commands;
using HyperBench.Cli.Plans;

namespace HyperBench.Cli.Tests;

public sealed class ListParserTests
{
    [Fact]
    public void Integers_AcceptKSuffix_AndDropDuplicates()
    {
        Assert.Equal([4096, 131072, 1000], ListParser.Integers("--n", "4k, 128K,1000,4096", 1));
    }

    [Fact]
    public void OptionAliases_RewriteShortLongOptions()
    {
        Assert.Equal(["kernels", "bench", "--seq-len", "64", "--head-dim=128"], OptionAliases.Expand(["kernels", "bench", "--n", "64", "--d=128"]));
    }
}
