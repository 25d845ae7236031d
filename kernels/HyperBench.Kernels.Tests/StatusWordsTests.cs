using System.Text.Json;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Tests;

/// <summary>The one mapping between status enums and the words SQL, tables and reports use.</summary>
public sealed class StatusWordsTests
{
    [Fact]
    public void Word_EveryResultAndSweepStatus_IsTheLowerCaseNameAndParsesBack()
    {
        Assert.Equal(["ok", "invalid", "failed", "skipped"], Enum.GetValues<ResultStatus>().Select(StatusWords.Word));
        Assert.Equal(["running", "completed", "cancelled"], Enum.GetValues<SweepStatus>().Select(StatusWords.Word));
        Assert.All(Enum.GetValues<ResultStatus>(), s => Assert.Equal(s, StatusWords.Parse<ResultStatus>(StatusWords.Word(s))));
        Assert.All(Enum.GetValues<SweepStatus>(), s => Assert.Equal(s, StatusWords.Parse<SweepStatus>(StatusWords.Word(s))));
    }

    [Theory]
    [InlineData("finished")]
    [InlineData("1")]
    [InlineData("")]
    public void Parse_UnknownWord_ThrowsNamingTheWordAndTheKnownOnes(string word)
    {
        var thrown = Assert.Throws<InvalidDataException>(() => StatusWords.Parse<SweepStatus>(word));
        Assert.Equal($"'{word}' is not a SweepStatus; known: running, completed, cancelled.", thrown.Message);
    }

    [Fact]
    public void Json_ResultStatus_IsWrittenAndReadAsItsWord()
    {
        Assert.Equal("[\"skipped\",\"ok\"]", JsonSerializer.Serialize(new[] { ResultStatus.Skipped, ResultStatus.Ok }));
        Assert.Equal(ResultStatus.Invalid, JsonSerializer.Deserialize<ResultStatus>("\"invalid\""));
    }

    [Fact]
    public void Status_OfCaseResult_FollowsErrorThenInvalidReason()
    {
        var c = new BenchmarkCase(KernelKind.Flash, 64, false, AttentionPass.Forward, 1, 1, 64);
        Assert.Equal(ResultStatus.Ok, new CaseResult { Case = c, DeviceId = "cpu" }.Status);
        Assert.Equal(ResultStatus.Invalid, new CaseResult { Case = c, DeviceId = "cpu", InvalidReason = "too fast" }.Status);
        Assert.Equal(ResultStatus.Failed, new CaseResult { Case = c, DeviceId = "cpu", InvalidReason = "too fast", Error = "boom" }.Status);
    }
}
