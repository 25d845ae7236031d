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
    public void Plan_CrossProduct_IsOrderedByN()
    {
        var plan = KernelBenchPlan.Parse("flash", "2k,1k", "both", "fwd,fwdbwd", "1", "2", "64", "fp32", "normal", 1);
        Assert.Equal(8, plan.Cases.Count);
        Assert.Equal([1024, 1024, 1024, 1024, 2048, 2048, 2048, 2048], plan.Cases.Select(c => c.N));
    }

    [Fact]
    public void Plan_TensorTooLarge_NamesTheCase()
    {
        var ex = Assert.Throws<PlanException>(() => KernelBenchPlan.Parse("flash", "128k", "false", "fwd", "4", "64", "128", "fp32", "normal", 1));
        Assert.Contains("n=131072", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionAliases_RewriteShortLongOptions()
    {
        Assert.Equal(["kernels", "bench", "--seq-len", "64", "--head-dim=128"], OptionAliases.Expand(["kernels", "bench", "--n", "64", "--d=128"]));
    }
}
