using HyperBench.Contracts;
using HyperBench.Kernels;

namespace HyperBench.Grains.Tests;

public sealed class SweepPlanTests
{
    [Theory]
    [InlineData("seqlens", "0")]
    [InlineData("passes", "bwd")]
    [InlineData("kernels", "sparse")]
    [InlineData("dtypes", "fp8")]
    [InlineData("distributions", "uniformish")]
    [InlineData("maxattempts", "0")]
    public void Validate_BadValue_ThrowsNamingIt(string field, string bad)
    {
        var plan = field switch
        {
            "seqlens" => new SweepPlan { SeqLens = [256, 0] },
            "passes" => new SweepPlan { Passes = ["fwd", "bwd"] },
            "kernels" => new SweepPlan { Kernels = ["sparse"] },
            "dtypes" => new SweepPlan { Dtypes = ["fp8"] },
            "distributions" => new SweepPlan { Distributions = ["uniformish"] },
            "maxattempts" => new SweepPlan { MaxAttempts = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var ex = Assert.ThrowsAny<ArgumentException>(plan.Validate);

        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DefaultPlan_Passes() => new SweepPlan().Validate();

    [Fact]
    public void Expand_FlashAndHyper_PairsSameNAdjacentInAscendingN()
    {
        var plan = new SweepPlan { Kernels = ["flash", "hyper"], SeqLens = [4096, 1024, 2048], Causal = [false, true] };

        var cases = plan.Expand();

        Assert.Equal(12, cases.Count);
        for (int i = 0; i < cases.Count; i += 2)
        {
            Assert.Equal(KernelKind.Flash, cases[i].Kernel);
            Assert.Equal(KernelKind.Hyper, cases[i + 1].Kernel);
            Assert.Equal(cases[i].N, cases[i + 1].N);
            Assert.Equal(cases[i].Causal, cases[i + 1].Causal);
        }
        Assert.Equal([1024, 2048, 4096], cases.Where(c => !c.Causal && c.Kernel == KernelKind.Flash).Select(c => c.N));
        Assert.Equal(cases.Count, cases.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Expand_SamePlanTwice_SameOrderAndIds()
    {
        var plan = new SweepPlan { Kernels = ["flash", "hyper"], SeqLens = [512, 256], Passes = ["fwd", "fwdbwd"] };

        Assert.Equal(plan.Expand().Select(c => c.Id), plan.Expand().Select(c => c.Id));
    }

    [Fact]
    public void PlanJson_RoundTrip_KeepsEveryField()
    {
        var plan = new SweepPlan
        {
            Kernels = ["hyper"], SeqLens = [128], Causal = [true], Passes = ["fwdbwd"], Heads = 3, HeadDims = [32], Seed = 9, BlockSize = 64,
            Sampling = "value-norm", LeaseSeconds = 7, MaxAttempts = 5, Tag = "t", Devices = ["cpu"],
        };

        var back = PlanJson.Deserialize(PlanJson.Serialize(plan));

        Assert.Equal(PlanJson.Serialize(plan), PlanJson.Serialize(back));
        Assert.Equal(plan.Expand().Select(c => c.Id), back.Expand().Select(c => c.Id));
    }
}
