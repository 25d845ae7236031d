namespace HyperBench.Storage;

/// <summary>Stored times: UTC milliseconds since the Unix epoch (see infra/sql/README.md). Unspecified kinds are taken as UTC.</summary>
internal static class UnixTime
{
    public static long ToMs(DateTime time) =>
        (long)((time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time) - DateTime.UnixEpoch).TotalMilliseconds;

    public static long? ToMs(DateTime? time) => time is { } t ? ToMs(t) : null;

    public static DateTime FromMs(long ms) => DateTime.SpecifyKind(DateTime.UnixEpoch.AddMilliseconds(ms), DateTimeKind.Utc);

    public static DateTime? FromMs(long? ms) => ms is { } m ? FromMs(m) : null;
}
