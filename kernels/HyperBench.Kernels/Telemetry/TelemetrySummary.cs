namespace HyperBench.Kernels.Telemetry;

/// <summary>What a case's telemetry samples add up to: the ranges a reader checks before trusting a time.</summary>
/// <param name="Samples">How many readings.</param>
/// <param name="SmClockMinMhz">Lowest SM clock read (null when none was reported).</param>
/// <param name="SmClockMaxMhz">Highest SM clock read.</param>
/// <param name="MaxTemperatureC">Highest temperature.</param>
/// <param name="MaxPowerWatts">Highest power draw.</param>
/// <param name="ThrottledSamples">Readings marked throttled.</param>
/// <param name="ReasonsSeen">Every throttle reason of any reading, OR-ed (idle and clock settings included).</param>
public sealed record TelemetrySummary(int Samples, int? SmClockMinMhz, int? SmClockMaxMhz, int? MaxTemperatureC, double? MaxPowerWatts,
    int ThrottledSamples, ulong ReasonsSeen)
{
    public static TelemetrySummary Of(IEnumerable<TelemetrySample> samples)
    {
        int count = 0, throttled = 0;
        int? smMin = null, smMax = null, temperature = null;
        double? power = null;
        ulong reasons = 0;
        foreach (var s in samples)
        {
            count++;
            if (s.SmClockMhz is { } sm)
            {
                smMin = Math.Min(smMin ?? sm, sm);
                smMax = Math.Max(smMax ?? sm, sm);
            }
            if (s.TemperatureC is { } t) temperature = Math.Max(temperature ?? t, t);
            if (s.PowerWatts is { } p) power = Math.Max(power ?? p, p);
            if (s.Throttled) throttled++;
            reasons |= s.ThrottleReasons ?? 0;
        }
        return new TelemetrySummary(count, smMin, smMax, temperature, power, throttled, reasons);
    }

    /// <summary>The reasons that throttled (idle and clock settings left out), as words joined with '+'; "" when none.</summary>
    public string ThrottleReasonsText => (ReasonsSeen & ~(ulong)ThrottleReasonNames.NotThrottling) is var m && m != 0 ? ThrottleReasonNames.Text(m) : "";
}
