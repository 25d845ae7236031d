using System.Text.Json;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Cli.Exporters;

/// <summary>
/// --dump DIR: each case's inputs and outputs as .npy files in DIR/CASE_ID/ plus a manifest.json, so any result can be
/// cross-checked against NumPy or PyTorch. Cases above the size limit are refused before anything runs.
/// </summary>
public static class TensorDumpWriter
{
    /// <summary>Default per-tensor limit: 16 Mi elements (64 MiB of fp32).</summary>
    public const long DefaultLimitElements = 16L << 20;

    public static string Write(string directory, CaseResult result)
    {
        var t = result.Tensors ?? throw new InvalidOperationException($"case {result.Case} was measured without keeping its tensors");
        var c = result.Case;
        string dir = Path.Combine(directory, result.CaseId);
        Directory.CreateDirectory(dir);
        int[] full = [c.Batch, c.Heads, c.N, c.D];
        int[] rows = [c.Batch, c.Heads, c.N];
        var files = new List<object>();
        void Add(string name, float[]? data, int[] shape, string role)
        {
            if (data is null) return;
            NpyWriter.Write(Path.Combine(dir, name + ".npy"), data, shape);
            files.Add(new { name, file = name + ".npy", role, shape, dtype = "float32" });
        }
        // Inputs (dO included) as the kernel stored them: fp16 as float16; bf16 (no NumPy dtype) as the float32 of its rounded values, exact.
        void AddInput(string name, float[]? data)
        {
            if (data is null) return;
            if (c.Dtype != Dtype.Fp16)
            {
                Add(name, data, full, "input");
                return;
            }
            NpyWriter.WriteHalf(Path.Combine(dir, name + ".npy"), c.Dtype.Bits(data), full);
            files.Add(new { name, file = name + ".npy", role = "input", shape = full, dtype = "float16" });
        }
        AddInput("q", t.Q);
        AddInput("k", t.K);
        AddInput("v", t.V);
        AddInput("do", t.DO);
        Add("o", t.O, full, "output");
        Add("lse", t.Lse, rows, "output");
        Add("dq", t.DQ, full, "output");
        Add("dk", t.DK, full, "output");
        Add("dv", t.DV, full, "output");
        object? hyper = null;
        if (t.Hyper is { } h)
        {
            // Per (batch, head): sortLSH's query and key orders (row numbers within the head) and the sampled keys (original
            // key order, repeats kept): with b and m they recompute the approximation (infra/gpu/check_dump.py).
            void AddIndices(string name, IReadOnlyList<int[]> perHead, int width, string role)
            {
                var flat = perHead.SelectMany(x => x).ToArray();
                int[] shape = [c.Batch, c.Heads, width];
                NpyWriter.Write(Path.Combine(dir, name + ".npy"), flat, shape);
                files.Add(new { name, file = name + ".npy", role, shape, dtype = "int32" });
            }
            AddIndices("query_order", h.QueryOrder, c.N, "hyper");
            AddIndices("key_order", h.KeyOrder, c.N, "hyper");
            AddIndices("sampled_keys", h.SampledKeys, h.Samples, "hyper");
            var p = c.HyperOrDefault;
            hyper = new
            {
                block_size = h.BlockSize,
                samples = h.Samples,
                lsh_projections = p.LshProjections,
                min_seq_len = p.MinSeqLen,
                sampling = p.Sampling,
                rule = "blocks of block_size rows of query_order attend exactly to the same block of key_order (padding keys masked); " +
                    "plus every sampled key whose position in key_order is outside the query's block, with score + log(n/m) (uniform) " +
                    "or - log(m p_j) (value-norm)",
            };
        }
        var f = CaseFields.Of(c);
        var manifest = new
        {
            case_id = f.CaseId,
            @case = c.Canonical,
            kernel = f.Kernel,
            f.N,
            f.Causal,
            pass = f.Pass,
            f.Batch,
            f.Heads,
            f.D,
            scale = 1.0 / Math.Sqrt(f.D),
            dtype = c.Dtype.Name(),
            dtype_note = c.Dtype switch
            {
                Dtype.Bf16 => "q, k, v and dO are bf16 (rounded to nearest even from fp32 once); .npy has no bfloat16, so they are written as float32 holding the bf16 values exactly (torch: .to(torch.bfloat16) is lossless). Outputs and gradients are float32.",
                Dtype.Fp16 => "q, k, v and dO are fp16 (rounded to nearest even from fp32 once), written as float16. Outputs and gradients are float32.",
                Dtype.Tf32x3 => "q, k, v and dO are float32; the kernel multiplies them as three tf32 products (3xTF32). Outputs and gradients are float32.",
                _ => "every tensor is float32.",
            },
            layout = "[batch, heads, n, d], row-major; lse = log sum_j exp(scale * q_i . k_j) over visible keys; loss for gradients = sum(dO * O)",
            device = result.DeviceId,
            hyper,
            files,
        };
        File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest, JsonReportWriter.Options));
        return dir;
    }

    /// <summary>Throws naming the first case over the limit.</summary>
    public static void EnsureWithinLimit(IEnumerable<BenchmarkCase> cases, long limitElements)
    {
        foreach (var c in cases)
        {
            long elements = (long)c.Batch * c.Heads * c.N * c.D;
            if (elements > limitElements)
                throw new Plans.PlanException(
                    $"--dump: case {c} has {elements:N0} elements per tensor, above the dump limit of {limitElements:N0} ({limitElements * 4 / (1 << 20)} MiB); use a smaller n or fewer heads, or raise --dump-limit.");
        }
    }
}
