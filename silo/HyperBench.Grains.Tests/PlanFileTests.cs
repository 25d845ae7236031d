using HyperBench.Contracts;

namespace HyperBench.Grains.Tests;

/// <summary>The plan file format (docs/plans.md, "Plan files"): versioned, strict, the stored plan's JSON.</summary>
public sealed class PlanFileTests
{
    [Fact]
    public void Serialize_ThenParse_GivesTheSamePlanWithVersionFirst()
    {
        var plan = TinyPlans.Flash([64, 128]) with { CvLimit = 0.05, Devices = ["cpu"] };

        string text = PlanFile.Serialize(plan);
        var back = PlanFile.Parse(text, "p.json");

        Assert.StartsWith("{\n  \"version\": 1,", text, StringComparison.Ordinal);
        Assert.Equal(PlanJson.Serialize(plan), PlanJson.Serialize(back));
        Assert.Equal(plan.Grid.Expand().Select(c => c.Id), back.ExpandCases().Select(c => c.Id));
    }

    [Fact]
    public void Serialize_ThenParse_KeepsPlacementGangAndShards()
    {
        var plan = TinyPlans.Flash([64]) with { DeviceModel = "NVIDIA H*", Fingerprint = "ab12", Gang = 2, Shards = 2 };

        var back = PlanFile.Parse(PlanFile.Serialize(plan), "p.json");

        Assert.Equal(("NVIDIA H*", "ab12", 2, 2), (back.DeviceModel, back.Fingerprint, back.Gang, back.Shards));
        Assert.Equal(2, back.ExpandCases().Select(c => c.Id).Distinct().Count());
        Assert.Equal([1UL, 2UL], back.ExpandCases().Select(c => c.Seed));
        Assert.DoesNotContain("gang", PlanFile.Serialize(TinyPlans.Flash([64])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"version\": 1, \"fingerprint\": \"xyz\"}", "fingerprint: 'xyz' is not a fingerprint prefix")]
    [InlineData("{\"version\": 1, \"device_model\": \" \"}", "device_model: ' ' is not a device model")]
    [InlineData("{\"version\": 1, \"gang\": 0}", "gang: 0 must be between 1 and 1024")]
    [InlineData("{\"version\": 1, \"shards\": 0}", "shards: 0 must be between 1 and 100000")]
    public void Parse_BadPlacement_NamesTheKeyAndValue(string text, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PlanFile.Parse(text, "p.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InfiniteCvLimit_RoundTrips()
    {
        var plan = TinyPlans.Flash([64]) with { CvLimit = double.PositiveInfinity };

        Assert.Equal(double.PositiveInfinity, PlanFile.Parse(PlanFile.Serialize(plan), "p.json").CvLimit);
    }

    [Theory]
    [InlineData("not json at all", "is not valid JSON")]
    [InlineData("[1, 2]", "is not a JSON object")]
    [InlineData("{\"grid\": {}}", "has no \"version\"")]
    [InlineData("{\"version\": 2, \"grid\": {}}", "version 2 is not known")]
    [InlineData("{\"version\": \"1\", \"grid\": {}}", "version \"1\" is not known")]
    [InlineData("{\"version\": 1, \"grid\": {}, \"colour\": \"red\"}", "colour")]
    [InlineData("{\"version\": 1, \"grid\": {\"seq_lenz\": [64]}}", "seq_lenz")]
    [InlineData("{\"version\": 1, \"grid\": {\"seq_lens\": [0]}}", "seq_lens: 0")]
    [InlineData("{\"version\": 1, \"grid\": {\"kernels\": [\"slow\"]}}", "slow")]
    [InlineData("{\"version\": 1, \"measurement\": {\"min_samples\": 0}}", "0 must be >= 1")]
    [InlineData("{\"version\": 1, \"cv_limit\": -1}", "cv_limit: -1 must be >= 0")]
    [InlineData("{\"version\": 1, \"max_attempts\": 0}", "max_attempts: 0 must be >= 1")]
    public void Parse_BadFile_ThrowsNamingTheFileAndTheValue(string text, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PlanFile.Parse(text, "nightly.json"));

        Assert.Contains("'nightly.json'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingFile_ThrowsNamingIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hyperbench-no-such-plan-{Guid.NewGuid():N}.json");

        var ex = Assert.Throws<InvalidDataException>(() => PlanFile.Read(path));

        Assert.Equal($"plan file '{path}' does not exist.", ex.Message);
    }
}
