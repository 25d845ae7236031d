using HyperBench.Hosting;

namespace HyperBench.Grains.Tests;

/// <summary>The Devices setting: lists, ranges of ordinals, and the messages for bad ones.</summary>
public sealed class DeviceSelectionTests
{
    [Theory]
    [InlineData("cpu", new[] { "cpu" })]
    [InlineData("cuda", new[] { "cuda:0" })]
    [InlineData("cpu:0-1", new[] { "cpu:0", "cpu:1" })]
    [InlineData("sim:2-4, cpu:0", new[] { "sim:2", "sim:3", "sim:4", "cpu:0" })]
    [InlineData("sim, sim:0", new[] { "sim:0" })]
    [InlineData("none", new[] { "none" })]
    public void Parse_Setting_GivesOneCanonicalSpellingPerDevice(string setting, string[] expected) =>
        Assert.Equal(expected, DeviceSelection.Parse(setting));

    [Fact]
    public void Parse_RangeOf256_Expands()
    {
        var devices = DeviceSelection.Parse("sim:0-255");

        Assert.Equal(256, devices.Count);
        Assert.Equal("sim:255", devices[^1]);
    }

    [Theory]
    [InlineData("sim:4-2", "device range 'sim:4-2' in 'sim:4-2' must be sim:FIRST-LAST with FIRST <= LAST")]
    [InlineData("cpu:0-x", "device range 'cpu:0-x' in 'cpu:0-x' must be")]
    [InlineData("sim:0-5000", "device range 'sim:0-5000' opens 5001 devices")]
    [InlineData("cpu,cpu:1", "'cpu,cpu:1' mixes cpu (every core) with cpu:<i> devices")]
    [InlineData("tpu:0", "device 'tpu:0' is not known")]
    public void Parse_BadSetting_NamesTheValue(string setting, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => DeviceSelection.Parse(setting));
        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }
}
