using System.Text.Json;

namespace HyperBench.Cli.Tests;

public sealed class KernelsBenchCommandTests
{
    [Fact]
    public void Bench_TinyPlan_WritesReportWithEverySampleAndEnvironment()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--n", "64,128", "--causal", "both", "--pass", "fwd,fwdbwd",
            "--heads", "2", "--d", "64", "--min-samples", "4", "--budget", "0", "--json", "out.json");
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out.json")));
        var root = doc.RootElement;
        Assert.Equal("cpu", root.GetProperty("environment").GetProperty("device_id").GetString());
        Assert.False(string.IsNullOrEmpty(root.GetProperty("environment").GetProperty("dot_net_version").GetString()));
        var cases = root.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(8, cases.Count);
        Assert.Equal(8, cases.Select(c => c.GetProperty("case_id").GetString()).Distinct().Count());
        foreach (var c in cases)
        {
            Assert.Equal("ok", c.GetProperty("status").GetString());
            var samples = c.GetProperty("samples_seconds").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.True(samples.Count >= 4);
            var stats = c.GetProperty("statistics");
            Assert.Equal(samples.Count, stats.GetProperty("count").GetInt32());
            Assert.Equal(samples.Min(), stats.GetProperty("min").GetDouble());
            int n = c.GetProperty("n").GetInt32();
            double flops = 4.0 * 2 * n * n * 64 * (c.GetProperty("causal").GetBoolean() ? 0.5 : 1) * (c.GetProperty("pass").GetString() == "fwdbwd" ? 3.5 : 1);
            Assert.Equal(flops, c.GetProperty("flops").GetDouble());
            Assert.Equal(flops / stats.GetProperty("median").GetDouble() / 1e12, c.GetProperty("tflops").GetDouble(), 9);
        }
        Assert.Contains("TFLOP/s", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_VariantsAndPreset_ReportCarriesTheVariantsByTheirNames_AndP20FromTheSamples()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--preset", "paper", "--device", "cpu", "--n", "64", "--heads", "1", "--causal", "false",
            "--pass", "fwd", "--block-size", "32", "--samples", "16", "--bucket-order", "gray", "--resample", "per-run", "--short-exact",
            "--grad", "detached-lse", "--min-samples", "5", "--budget", "0", "--warmup", "0", "--warmup-time", "0", "--json", "out.json");
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(["flash", "hyper"], cases.Select(c => c.GetProperty("kernel").GetString()));
        var hyper = cases[1].GetProperty("hyper");
        Assert.Equal(("gray", "per-run", true, "detached-lse"), (hyper.GetProperty("bucket_order").GetString(), hyper.GetProperty("resample").GetString(),
            hyper.GetProperty("short_exact").GetBoolean(), hyper.GetProperty("gradient").GetString()));
        Assert.EndsWith(";order=gray;resample=per-run;short_exact=1;grad=detached-lse", hyper.GetProperty("canonical").GetString(), StringComparison.Ordinal);
        foreach (var c in cases)
        {
            var samples = c.GetProperty("samples_seconds").EnumerateArray().Select(x => x.GetDouble()).ToList();
            Assert.Equal(HyperBench.Kernels.Measurement.SampleStatistics.From(samples).P20, c.GetProperty("statistics").GetProperty("p20").GetDouble());
        }
        Assert.Contains("Preset paper:", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("bucket order gray, resample per-run, short-exact on, gradient detached-lse", string.Join(" ", outcome.Output.Split('\n').Select(l => l.Trim())), StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_CaseTheDeviceCannotHold_SkippedWithReasonLikeASweepExitZero()
    {
        // About 61 GiB of tensors (n = 1,000,000, 32 heads of 64, forward and backward) and more of workspace: skipped before anything is allocated.
        if (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes > (56L << 30)) Assert.Skip("this machine has room for a 61 GiB case; nothing to skip");
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--n", "64,1000000", "--causal", "false", "--pass", "fwdbwd",
            "--heads", "32", "--min-samples", "3", "--budget", "0", "--json", "out.json");

        Assert.True(outcome.ExitCode == 0, outcome.Output);
        Assert.Matches(@"skipped flash n=1000000 causal=False fwdbwd: no device can hold it: needs [\d.]+ GiB, cpu has [\d.]+ GiB", outcome.Output);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(["ok", "skipped"], cases.Select(c => c.GetProperty("status").GetString()));
        Assert.StartsWith("no device can hold it: needs ", cases[1].GetProperty("skip_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, cases[1].GetProperty("error").ValueKind);
        Assert.Empty(cases[1].GetProperty("samples_seconds").EnumerateArray());
    }

    [Theory]
    [InlineData("--n", "0", "--n: 0")]
    [InlineData("--n", "12x", "'12x'")]
    [InlineData("--d", "96", "--d: 96")]
    [InlineData("--heads", "0", "--heads: 0")]
    [InlineData("--causal", "maybe", "'maybe'")]
    [InlineData("--pass", "back", "'back'")]
    [InlineData("--device", "tpu", "'tpu'")]
    [InlineData("--kernel", "sparse", "'sparse'")]
    [InlineData("--min-samples", "0", "--min-samples: 0")]
    [InlineData("--dtype", "fp8", "--dtype: 'fp8' is not a dtype")]
    [InlineData("--dtype", "fp32,fp16", "--dtype: dtype fp16 is not implemented by the cpu backend (it implements: fp32).")]
    public void Bench_BadValue_ExitsWith2NamingTheValue_AndWritesNothing(string option, string value, string expected)
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--n", "64", option, value, "--json", "out.json");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "out.json")));
    }

    [Fact]
    public void Bench_UnknownOption_ExitsWith2()
    {
        var outcome = CliProcess.Run(CliProcess.TempDirectory(), "kernels", "bench", "--bogus", "1");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("bogus", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_DumpAboveLimit_IsRefusedNamingTheLimit()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--n", "128", "--heads", "2", "--dump", "dump", "--dump-limit", "1000");
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("dump limit of 1,000", outcome.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "dump")));
    }

    [Fact]
    public void Bench_Dump_WritesNpyFilesThatHoldTheForwardOutput()
    {
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "cpu", "--n", "33", "--heads", "2", "--causal", "false", "--pass", "fwdbwd",
            "--min-samples", "1", "--budget", "0", "--json", "out.json", "--dump", "dump");
        Assert.True(outcome.ExitCode == 0, outcome.Output);
        var caseDir = Directory.GetDirectories(Path.Combine(dir, "dump")).Single();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, "manifest.json")));
        var files = manifest.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { "q", "k", "v", "do", "o", "lse", "dq", "dk", "dv" }, files);

        var (qShape, q) = Npy.Read(Path.Combine(caseDir, "q.npy"));
        var (_, k) = Npy.Read(Path.Combine(caseDir, "k.npy"));
        var (_, v) = Npy.Read(Path.Combine(caseDir, "v.npy"));
        var (oShape, o) = Npy.Read(Path.Combine(caseDir, "o.npy"));
        Assert.Equal([1, 2, 33, 64], qShape);
        Assert.Equal(qShape, oShape);
        // Recompute row 5 of head 1 in double precision from the dumped inputs.
        int n = 33, d = 64, head = 1, row = 5;
        double scale = 1 / Math.Sqrt(d);
        var scores = Enumerable.Range(0, n).Select(j => scale * Enumerable.Range(0, d).Sum(c => (double)q[((head * n) + row) * d + c] * k[((head * n) + j) * d + c])).ToArray();
        double max = scores.Max();
        var p = scores.Select(s => Math.Exp(s - max)).ToArray();
        double sum = p.Sum();
        for (int c = 0; c < d; c++)
        {
            double expected = Enumerable.Range(0, n).Sum(j => p[j] / sum * v[((head * n) + j) * d + c]);
            Assert.Equal(expected, o[((head * n) + row) * d + c], 5);
        }
    }

    [Fact]
    public void Bench_Bf16AndFp16OnIlgpuCpu_RunForwardAndBackward_ReportErrorsAgainstFp32_DumpTheStoredInputs()
    {
        // The default --pass (fwd,fwdbwd): the tensor-core backward runs at both dtypes.
        string dir = CliProcess.TempDirectory();
        var outcome = CliProcess.Run(dir, "kernels", "bench", "--device", "ilgpu-cpu", "--dtype", "bf16,fp16", "--n", "64", "--heads", "1",
            "--causal", "false", "--min-samples", "1", "--budget", "0", "--warmup", "0", "--warmup-time", "0",
            "--json", "out.json", "--dump", "dump");
        Assert.True(outcome.ExitCode == 0, outcome.Output);

        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(["bf16", "bf16", "fp16", "fp16"], cases.Select(c => c.GetProperty("dtype").GetString()).Order());
        foreach (var c in cases)
        {
            Assert.Equal("ok", c.GetProperty("status").GetString());
            bool backward = c.GetProperty("pass").GetString() == "fwdbwd";
            // FLOPs do not depend on the dtype; the errors (O, and the gradients with the backward) are against fp32 flash on the
            // same rounded inputs.
            if (!backward) Assert.Equal(4.0 * 64 * 64 * 64, c.GetProperty("flops").GetDouble());
            var metrics = c.GetProperty("accuracy").GetProperty("metrics").EnumerateArray().ToList();
            Assert.Equal(backward ? new[] { "o", "dq", "dk", "dv" } : ["o"], metrics.Select(m => m.GetProperty("tensor").GetString()));
            Assert.All(metrics, m => Assert.InRange(m.GetProperty("relative_frobenius").GetDouble(), 1e-9, 1e-2));
            string caseDir = Path.Combine(dir, "dump", c.GetProperty("case_id").GetString()!);
            using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(caseDir, "manifest.json")));
            string dtype = c.GetProperty("dtype").GetString()!;
            Assert.Equal(dtype, manifest.RootElement.GetProperty("dtype").GetString());
            // dO (with the backward) is stored at the dtype like q.
            foreach (string input in backward ? new[] { "q", "do" } : ["q"])
            {
                string file = Path.Combine(caseDir, input + ".npy");
                var (_, x) = dtype == "fp16" ? Npy.ReadFloat16(file) : Npy.Read(file);
                // bf16 has no .npy dtype: float32 holding bf16 values exactly (the low 16 bits are zero), as the manifest says.
                if (dtype == "bf16") Assert.All(x, e => Assert.Equal(0, BitConverter.SingleToInt32Bits(e) & 0xFFFF));
                Assert.Contains(x, e => e != 0);
            }
            if (dtype == "bf16")
                Assert.Contains("float32 holding the bf16 values exactly", manifest.RootElement.GetProperty("dtype_note").GetString(), StringComparison.Ordinal);
        }
        Assert.Contains("O rel. err", outcome.Output, StringComparison.Ordinal);
    }
}
