namespace HyperBench.Regressions.Tests;

public sealed class VerdictNamesTests
{
    [Fact]
    public void EveryVerdict_RoundTripsThroughItsName()
    {
        foreach (var v in VerdictNames.All) Assert.Equal(v, VerdictNames.Parse(v.Name()));
        Assert.Equal(["faster", "slower", "same", "noisy", "insufficient"], VerdictNames.All.Select(VerdictNames.Name).ToArray());
    }

    [Fact]
    public void UnknownVerdict_IsNamedInTheError()
    {
        var ex = Assert.Throws<ArgumentException>(() => VerdictNames.Parse("worse"));
        Assert.Contains("'worse'", ex.Message, StringComparison.Ordinal);
    }
}
