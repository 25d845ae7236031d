using System.Text.Json;

namespace HyperBench.Cli.Tests;

public sealed class HyperBenchCommandTests
{
    [Fact]
    public void Bench_FlashAndHyper_ReportsHyperParametersAccuracyAndComparisonTable()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--kernel", "flash,hyper", "--n", "300", "--causal", "false",
            "--pass", "fwd", "--heads", "2", "--block-size", "64", "--samples", "32", "--lsh-projections", "5", "--min-samples", "2", "--budget", "0",
            "--json", "out.json");
        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Contains("HyperAttention vs flash", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("speed-up", outcome.Output, StringComparison.Ordinal);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(["flash", "hyper"], cases.Select(c => c.GetProperty("kernel").GetString()).Order());
        var hyper = cases.Single(c => c.GetProperty("kernel").GetString() == "hyper");
        var p = hyper.GetProperty("hyper");
        Assert.Equal(5, p.GetProperty("lsh_projections").GetInt32());
        Assert.Equal(64, p.GetProperty("block_size").GetInt32());
        Assert.Equal(32, p.GetProperty("samples").GetInt32());
        var accuracy = hyper.GetProperty("accuracy");
        Assert.Equal(2, accuracy.GetProperty("heads_measured").GetInt32());
        var o = accuracy.GetProperty("metrics").EnumerateArray().Single();
        Assert.Equal("o", o.GetProperty("tensor").GetString());
        Assert.True(o.GetProperty("relative_frobenius").GetDouble() > 0);
        var flash = cases.Single(c => c.GetProperty("kernel").GetString() == "flash");
        Assert.Equal(JsonValueKind.Null, flash.GetProperty("accuracy").ValueKind);
    }

    [Theory]
    [InlineData("--block-size", "100", "--block-size: block size b = 100")]
    [InlineData("--lsh-projections", "17", "--lsh-projections: LSH projections r = 17")]
    [InlineData("--samples", "0", "--samples: samples m = 0")]
    [InlineData("--min-seq-len", "0", "--min-seq-len: min_seq_len = 0")]
    [InlineData("--sampling", "norm", "--sampling: sampling 'norm'")]
    [InlineData("--dist", "cauchy", "'cauchy'")]
    public void Bench_BadHyperValue_ExitsWith2NamingTheValue(string option, string value, string expected)
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--kernel", "hyper", "--n", "64", option, value, "--json", "out.json");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "out.json")));
    }

    /// <summary>The dumped orders are permutations of each head's rows and the samples are key indices; b and m are in the manifest.</summary>
    [Fact]
    public void Bench_DumpOfHyperCase_WritesSortOrdersAndSamplesPerHead()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--kernel", "hyper", "--n", "100", "--heads", "3", "--causal", "false",
            "--pass", "fwd", "--block-size", "32", "--samples", "8", "--min-samples", "1", "--budget", "0", "--json", "out.json", "--dump", "dump");
        Assert.True(outcome.ExitCode == 0, outcome.Output);
        var caseDir = Directory.GetDirectories(Path.Combine(dir, "dump")).Single();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, "manifest.json")));
        var h = manifest.RootElement.GetProperty("hyper");
        Assert.Equal(32, h.GetProperty("block_size").GetInt32());
        Assert.Equal(8, h.GetProperty("samples").GetInt32());
        var (qShape, queryOrder) = Npy.ReadInt32(Path.Combine(caseDir, "query_order.npy"));
        var (_, keyOrder) = Npy.ReadInt32(Path.Combine(caseDir, "key_order.npy"));
        var (sShape, samples) = Npy.ReadInt32(Path.Combine(caseDir, "sampled_keys.npy"));
        Assert.Equal([1, 3, 100], qShape);
        Assert.Equal([1, 3, 8], sShape);
        for (int head = 0; head < 3; head++)
        {
            Assert.Equal(Enumerable.Range(0, 100), queryOrder.Skip(head * 100).Take(100).Order());
            Assert.Equal(Enumerable.Range(0, 100), keyOrder.Skip(head * 100).Take(100).Order());
        }
        Assert.All(samples, s => Assert.InRange(s, 0, 99));
    }
}
