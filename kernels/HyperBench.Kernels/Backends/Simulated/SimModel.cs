using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using HyperBench.Kernels.Measurement;

namespace HyperBench.Kernels.Backends.Simulated;

/// <summary>
/// The time model of a simulated device (docs/simulation.md): per (kernel, pass, causal, dtype) a power law in the case's work,
/// <c>t = A * flops^B</c> seconds, fitted by least squares in log-log space on the medians of a stored real sweep. B = 1 is the
/// compute roof alone (A = 1 / sustained FLOP/s); B &lt; 1 absorbs the fixed costs that dominate small cases. A case whose group was
/// not calibrated uses the group of the same kernel, pass and causality in another dtype, then the fit over every point.
/// </summary>
public sealed record SimModel
{
    /// <summary>The model compiled into the assembly, used when no model file is configured.</summary>
    public const string DefaultName = "cpu-default";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A short name: the device model of a simulated device is "simulated (name)".</summary>
    public required string Name { get; init; }

    /// <summary>Where the parameters came from (sweep id, device, date), for people.</summary>
    public string? CalibratedFrom { get; init; }

    /// <summary>Memory each simulated device advertises (decides which cases it is offered), bytes.</summary>
    public long MemoryBytes { get; init; } = 80L << 30;

    /// <summary>Coefficient of variation of the multiplicative noise on each sample (log-normal, mean 1); 0: every sample is the model.</summary>
    public double NoiseCv { get; init; }

    public required IReadOnlyList<SimGroup> Groups { get; init; }

    /// <summary>The fit over every calibration point, for a case of a group that was not calibrated.</summary>
    public required SimFit Fallback { get; init; }

    /// <summary>The modelled seconds of one run of the case's timed part (one sample, noise aside).</summary>
    public double Seconds(BenchmarkCase benchmarkCase)
    {
        ArgumentNullException.ThrowIfNull(benchmarkCase);
        return FitFor(benchmarkCase).Seconds(benchmarkCase.Flops);
    }

    /// <summary>The fit a case uses: its own group, the same group in another dtype, or the fallback.</summary>
    public SimFit FitFor(BenchmarkCase benchmarkCase)
    {
        string kernel = KernelName(benchmarkCase.Kernel), pass = benchmarkCase.PassName, dtype = benchmarkCase.Dtype.Name();
        var same = Groups.Where(g => g.Kernel == kernel && g.Pass == pass && g.Causal == benchmarkCase.Causal).ToList();
        return (same.FirstOrDefault(g => g.Dtype == dtype) ?? same.FirstOrDefault())?.Fit ?? Fallback;
    }

    /// <summary>
    /// Fits a model to measured medians: one power law per (kernel, pass, causal, dtype) with at least two distinct sizes, and the
    /// fallback over all points. Each point is a case and its median seconds.
    /// </summary>
    /// <exception cref="ArgumentException">Fewer than two points with distinct work and positive times (names the count).</exception>
    public static SimModel Fit(string name, IReadOnlyList<(BenchmarkCase Case, double MedianSeconds)> points, string? calibratedFrom = null,
        long? memoryBytes = null, double noiseCv = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var usable = points.Where(p => p.MedianSeconds > 0 && double.IsFinite(p.MedianSeconds) && p.Case.Flops > 0).ToList();
        if (usable.Select(p => p.Case.Flops).Distinct().Count() < 2)
            throw new ArgumentException($"{usable.Count} usable point(s) (positive median, distinct work): a fit needs at least two cases of different sizes.", nameof(points));
        var groups = usable
            .GroupBy(p => (Kernel: KernelName(p.Case.Kernel), Pass: p.Case.PassName, p.Case.Causal, Dtype: p.Case.Dtype.Name()))
            .Where(g => g.Select(p => p.Case.Flops).Distinct().Count() >= 2)
            .OrderBy(g => g.Key.Kernel, StringComparer.Ordinal).ThenBy(g => g.Key.Pass, StringComparer.Ordinal).ThenBy(g => g.Key.Causal)
            .ThenBy(g => g.Key.Dtype, StringComparer.Ordinal)
            .Select(g => new SimGroup(g.Key.Kernel, g.Key.Pass, g.Key.Causal, g.Key.Dtype, SimFit.Of([.. g])))
            .ToArray();
        return new SimModel
        {
            Name = name,
            CalibratedFrom = calibratedFrom,
            MemoryBytes = memoryBytes ?? 80L << 30,
            NoiseCv = noiseCv,
            Groups = groups,
            Fallback = SimFit.Of(usable),
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="InvalidDataException">Not a model (names what is wrong).</exception>
    public static SimModel FromJson(string json, string source)
    {
        SimModel? model;
        try
        {
            model = JsonSerializer.Deserialize<SimModel>(json, Json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"simulation model '{source}' is not valid JSON: {ex.Message}", ex);
        }
        if (model is null) throw new InvalidDataException($"simulation model '{source}' is empty.");
        if (string.IsNullOrWhiteSpace(model.Name)) throw new InvalidDataException($"simulation model '{source}' has no name.");
        if (model.MemoryBytes <= 0) throw new InvalidDataException($"simulation model '{source}': memory_bytes {model.MemoryBytes} must be > 0.");
        if (!(model.NoiseCv >= 0 && model.NoiseCv < 1)) throw new InvalidDataException($"simulation model '{source}': noise_cv {model.NoiseCv} must be in [0, 1).");
        if (model.Groups is null || model.Fallback is null) throw new InvalidDataException($"simulation model '{source}' needs groups and a fallback.");
        foreach (var (what, fit) in model.Groups.Select(g => (g.ToString(), g.Fit)).Append(("fallback", model.Fallback)))
            if (fit is null || !(fit.A > 0 && double.IsFinite(fit.A) && double.IsFinite(fit.B)))
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"simulation model '{source}', {what}: a = {fit?.A}, b = {fit?.B}; a must be > 0 and both finite."));
        return model;
    }

    /// <summary>Reads a model file.</summary>
    /// <exception cref="InvalidDataException">Missing or not a model (names the path).</exception>
    public static SimModel Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidDataException($"simulation model file '{path}' does not exist.");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <summary>The model compiled in (infra/sim/cpu-default.json), used when none is configured.</summary>
    public static SimModel Default { get; } = LoadDefault();

    private static SimModel LoadDefault()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"HyperBench.Kernels.Sim.{DefaultName}.json")
            ?? throw new InvalidOperationException($"the built-in simulation model {DefaultName} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd(), $"built-in {DefaultName}");
    }

    private static string KernelName(KernelKind kernel) => kernel.ToString().ToLowerInvariant();
}

/// <summary>One calibrated group: kernel (flash, hyper), pass (fwd, fwdbwd, bwd), causal, dtype (fp32 ...), and its fit.</summary>
public sealed record SimGroup(string Kernel, string Pass, bool Causal, string Dtype, SimFit Fit)
{
    public override string ToString() => $"{Kernel} {Pass} {(Causal ? "causal" : "full")} {Dtype}";
}

/// <summary>
/// t = A * flops^B seconds. <see cref="Points"/>, <see cref="MinFlops"/>, <see cref="MaxFlops"/> and <see cref="RmsLogError"/> say how
/// far the fit can be trusted: outside [MinFlops, MaxFlops] it extrapolates.
/// </summary>
public sealed record SimFit(double A, double B, int Points = 0, double MinFlops = 0, double MaxFlops = 0, double RmsLogError = 0)
{
    public double Seconds(double flops) => A * Math.Pow(Math.Max(flops, 1), B);

    /// <summary>Least squares of ln t = ln A + B ln flops (MathNet); with one distinct size, B = 1 through that point.</summary>
    public static SimFit Of(IReadOnlyList<(BenchmarkCase Case, double MedianSeconds)> points)
    {
        double[] x = [.. points.Select(p => Math.Log(p.Case.Flops))];
        double[] y = [.. points.Select(p => Math.Log(p.MedianSeconds))];
        double lnA, b;
        if (x.Distinct().Count() < 2)
        {
            b = 1;
            lnA = y.Zip(x, (yi, xi) => yi - xi).Average();
        }
        else
        {
            (lnA, b) = MathNet.Numerics.Fit.Line(x, y);
        }
        double rms = Math.Sqrt(x.Zip(y, (xi, yi) => Math.Pow(lnA + b * xi - yi, 2)).Average());
        return new SimFit(Math.Exp(lnA), b, points.Count, points.Min(p => p.Case.Flops), points.Max(p => p.Case.Flops), rms);
    }
}
