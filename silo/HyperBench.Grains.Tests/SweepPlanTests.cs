using HyperBench.Contracts;
using HyperBench.Kernels;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Grains.Tests;

public sealed class SweepPlanTests
{
    [Theory]
    [InlineData("SeqLens", "0")]
    [InlineData("Distributions", "uniformish")]
    [InlineData("HeadDims", "96")]
    [InlineData("MaxAttempts", "0")]
    [InlineData("LeaseSeconds", "0")]
    public void Validate_BadValue_ThrowsNamingItAndItsField(string field, string bad)
    {
        var plan = field switch
        {
            "SeqLens" => new SweepPlan { Grid = new BenchmarkGrid { SeqLens = [256, 0] } },
            "Distributions" => new SweepPlan { Grid = new BenchmarkGrid { Distributions = ["uniformish"] } },
            "HeadDims" => new SweepPlan { Grid = new BenchmarkGrid { HeadDims = [96] } },
            "MaxAttempts" => new SweepPlan { MaxAttempts = 0 },
            "LeaseSeconds" => new SweepPlan { LeaseSeconds = 0 },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var ex = Assert.ThrowsAny<ArgumentException>(plan.Validate);

        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        Assert.Equal(field, ex.ParamName);
    }

    [Fact]
    public void Validate_DefaultPlan_Passes() => new SweepPlan().Validate();

    [Fact]
    public void PlanJson_RoundTrip_KeepsEveryField()
    {
        var plan = new SweepPlan
        {
            Grid = new BenchmarkGrid
            {
                Kernels = [KernelKind.Hyper], SeqLens = [128], Causal = [true], Passes = [AttentionPass.ForwardBackward], Heads = [3], HeadDims = [64],
                Dtypes = [Dtype.Fp32, Dtype.Tf32x3], Seed = 9, Hyper = HyperParameters.Default with { BlockSize = 64, Sampling = "value-norm" },
            },
            Measurement = MeasurementOptions.ForMinSamples(7, 0.25, 2, 0.1),
            LeaseSeconds = 7, MaxAttempts = 5, Tag = "t", Devices = ["cpu"],
        };

        var back = PlanJson.Deserialize(PlanJson.Serialize(plan));

        Assert.Equal(PlanJson.Serialize(plan), PlanJson.Serialize(back));
        Assert.Equal(plan.Measurement, back.Measurement);
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id), back.Grid.Expand().Select(c => c.Id));
        Assert.Contains("\"dtypes\":[\"fp32\",\"tf32x3\"]", PlanJson.Serialize(plan), StringComparison.Ordinal);
    }

    /// <summary>A plan as the flat version stored it (PlanJson.Serialize at 17c57dc): an unfinished sweep of that version still resumes.</summary>
    [Fact]
    public void PlanJson_FlatPlanOfEarlierVersion_LoadsWithSameCasesInSameOrder()
    {
        const string stored = """
            {"kernels":["flash","hyper"],"seq_lens":[4096,8192],"causal":[false,true],"passes":["fwd","fwdbwd"],"batch":1,"heads":1,
             "head_dims":[64],"dtypes":["fp32"],"distributions":["normal"],"seed":1,"lsh_projections":7,"block_size":256,"samples":256,
             "min_seq_len":4096,"sampling":"uniform","min_samples":5,"budget_seconds":1,"warmup_runs":1,"warmup_seconds":0.5,
             "max_attempts":3,"lease_seconds":60,"tag":"old","devices":[]}
            """;

        var plan = PlanJson.Deserialize(stored);
        var cases = plan.Grid.Expand();

        Assert.Equal(16, cases.Count);
        // The first two ids as the flat plan's Expand gave them (flash and hyper of n = 4096, full, forward).
        Assert.Equal("kernel=flash;n=4096;causal=0;pass=fwd;batch=1;heads=1;d=64;dtype=fp32;dist=normal;seed=1", cases[0].Canonical);
        Assert.Equal(KernelKind.Hyper, cases[1].Kernel);
        Assert.Equal(4096, cases[1].N);
        Assert.Equal(MeasurementOptions.ForMinSamples(5, 1, 1, 0.5), plan.Measurement);
        Assert.Equal("old", plan.Tag);
        plan.Validate();
    }

    [Theory]
    [InlineData("""{"kernels":["flash"]}""", "neither \"grid\"")]
    [InlineData("""{"seq_lens":[64],"passes":["sideways"]}""", "pass 'sideways' is not known")]
    [InlineData("not json", "not valid JSON")]
    public void PlanJson_UnreadablePlan_SaysWhy(string stored, string why)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PlanJson.Deserialize(stored));

        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WarmUp_AtSiloStart_RoundTripsADefaultPlanAndItsFirstCase()
    {
        // A silo runs it in the background and ignores a failure (it is only a head start), so a failure would go unseen but here.
        var ex = Record.Exception(SweepGrain.WarmUp);

        Assert.Null(ex);
        Assert.NotEmpty(new SweepPlan().ExpandCases());
    }
}
