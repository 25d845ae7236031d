namespace HyperBench.Kernels.Telemetry;

/// <summary>
/// The sampling of one case: a reading when it starts, one every period on a thread of its own (never the device's thread, so the
/// case's timing is not disturbed by the reads), and one when it stops, so even a case shorter than the period has two.
/// </summary>
public sealed class TelemetryRecording : IDisposable
{
    private readonly Func<TelemetrySample>? _read;
    private readonly TimeSpan _period;
    private readonly string? _unavailableReason;
    private readonly List<TelemetrySample> _samples = [];
    private readonly ManualResetEventSlim _stopping = new();
    private readonly Thread? _thread;
    private CaseTelemetry? _result;

    private TelemetryRecording(Func<TelemetrySample>? read, TimeSpan period, string? unavailableReason)
    {
        _read = read;
        _period = period;
        _unavailableReason = unavailableReason;
        if (read is null) return;
        Take();
        _thread = new Thread(Sample) { IsBackground = true, Name = "hyperbench-telemetry" };
        _thread.Start();
    }

    /// <summary>Samples <paramref name="read"/> every <paramref name="period"/> until stopped.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A period that is not positive.</exception>
    public static TelemetryRecording Sampling(Func<TelemetrySample> read, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), period, $"telemetry period {period} must be positive.");
        return new TelemetryRecording(read, period, null);
    }

    /// <summary>A recording of nothing, which says why.</summary>
    public static TelemetryRecording Unavailable(string reason) => new(null, TimeSpan.Zero, reason);

    /// <summary>Stops sampling and returns every reading in the order taken (the same object on every call).</summary>
    public CaseTelemetry Stop()
    {
        if (_result is not null) return _result;
        if (_thread is not null)
        {
            _stopping.Set();
            _thread.Join();
            Take();
        }
        lock (_samples) _result = _read is null ? CaseTelemetry.Unavailable(_unavailableReason!) : new CaseTelemetry([.. _samples], null);
        return _result;
    }

    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }

    private void Sample()
    {
        while (!_stopping.Wait(_period)) Take();
    }

    private void Take()
    {
        TelemetrySample sample;
        try
        {
            sample = _read!();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A reading that fails (the GPU fell off the bus, the driver reset) is left out; the case's timing decides its fate.
            return;
        }
        lock (_samples) _samples.Add(sample);
    }
}
