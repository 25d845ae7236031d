using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text.Json;
using HyperBench.Kernels;
using HyperBench.Kernels.Backends;
using HyperBench.Kernels.Measurement;

// Interleaved-reference experiment: per case, triplets (case sample, ref A sample, ref B sample), each timed as BenchmarkEngine does.
string outPath = args[0];
int refBReps = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10000;
var totalWatch = Stopwatch.StartNew();
var backend = BackendFactory.Create("cpu", 1);

static BenchmarkCase Case(KernelKind k, int n) => new(k, n, false, AttentionPass.Forward, 1, 1, 64, Dtype.Fp32, "normal", 1);

double TimeOnce(IKernelWorkload w, bool flush)
{
    w.Prepare();
    if (flush) backend.FlushCaches();
    backend.Synchronize();
    long start = Stopwatch.GetTimestamp();
    w.Run();
    backend.Synchronize();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

var refBData = new float[4096]; // 16 KB
for (int i = 0; i < refBData.Length; i++) refBData[i] = 1f + (i % 7) * 1e-3f;
float sink = 0;
double TimeRefB(bool flush)
{
    if (flush) backend.FlushCaches();
    backend.Synchronize();
    long start = Stopwatch.GetTimestamp();
    sink += RefB.Run(refBData, refBReps);
    backend.Synchronize();
    return Stopwatch.GetElapsedTime(start).TotalSeconds;
}

using var refA = KernelWorkloads.Create(backend, Case(KernelKind.Flash, 512));
backend.Synchronize();
var cases = new[] { Case(KernelKind.Flash, 1024), Case(KernelKind.Hyper, 1024), Case(KernelKind.Flash, 2048), Case(KernelKind.Hyper, 2048) };
var results = new List<object>();
foreach (var c in cases)
{
    var caseWatch = Stopwatch.StartNew();
    using var w = KernelWorkloads.Create(backend, c);
    backend.Synchronize();
    // warm-up 0.2 s: case (first run timed apart), ref A, ref B, no flush
    double first = TimeOnce(w, false);
    var warm = Stopwatch.StartNew();
    int warmRuns = 0;
    while (warm.Elapsed.TotalSeconds < 0.2) { TimeOnce(w, false); TimeOnce(refA, false); TimeRefB(false); warmRuns++; }
    var cs = new List<double>(); var ra = new List<double>(); var rb = new List<double>();
    var budget = Stopwatch.StartNew();
    while (cs.Count < 30 || budget.Elapsed.TotalSeconds < 0.5)
    {
        cs.Add(TimeOnce(w, true));
        ra.Add(TimeOnce(refA, true));
        rb.Add(TimeRefB(true));
    }
    results.Add(new { name = c.ToString(), first, warmRuns, seconds = caseWatch.Elapsed.TotalSeconds, caseSamples = cs, refA = ra, refB = rb });
}
var doc = new { pid = Environment.ProcessId, processorCount = Environment.ProcessorCount, refBReps, start = DateTime.UtcNow, totalSeconds = totalWatch.Elapsed.TotalSeconds, sink, cases = results };
File.WriteAllText(outPath, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = false }));
Console.WriteLine($"{outPath} {totalWatch.Elapsed.TotalSeconds:F2}s");

static class RefB
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run(float[] data, int reps)
    {
        var a0 = Vector256<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        var m = Vector256.Create(0.999f);
        ref float r0 = ref data[0];
        int nv = data.Length / 8;
        for (int rep = 0; rep < reps; rep++)
        {
            for (int i = 0; i < nv; i += 4)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)(i * 8)), m, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)(i * 8 + 8)), m, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)(i * 8 + 16)), m, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref r0, (nuint)(i * 8 + 24)), m, a3);
            }
        }
        return Vector256.Sum(a0 + a1 + a2 + a3);
    }
}
