using System.ComponentModel.DataAnnotations;

namespace HyperBench.Hosting;

/// <summary>
/// A silo's settings: configuration section "HyperBench" (appsettings.json) or environment variables HYPERBENCH__DB,
/// HYPERBENCH__DEVICES, HYPERBENCH__CLUSTERING, ... Validated at start; a bad value stops the silo with a message naming its key.
/// </summary>
public sealed class HyperBenchSiloOptions
{
    public const string Section = "HyperBench";

    /// <summary>Where results go: a SQLite file (hyperbench.db, sqlite:PATH) or a PostgreSQL connection string.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Db { get; set; } = "hyperbench.db";

    /// <summary>"auto" (every CUDA device, else the cpu backend), "none" (no workers), or a list: "cpu", "cuda:0,cuda:1", "ilgpu-cpu".</summary>
    [Required(AllowEmptyStrings = false)]
    public string Devices { get; set; } = "auto";

    /// <summary>"localhost" (one machine, development) or "adonet" (PostgreSQL membership table, <see cref="ClusteringConnectionString"/>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Clustering { get; set; } = "localhost";

    /// <summary>PostgreSQL connection string for Orleans' membership table (adonet clustering; a silo creates the tables from infra/sql/orleans/ when they are missing).</summary>
    public string? ClusteringConnectionString { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "hyperbench";

    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = "hyperbench";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Localhost clustering only: the first silo's endpoint ("127.0.0.1:11111") for a second silo on the same machine to join;
    /// empty: this silo is the primary.
    /// </summary>
    public string? PrimarySiloEndpoint { get; set; }

    /// <summary>The address other silos reach this one at (adonet clustering); empty: resolved from the host name.</summary>
    public string? AdvertisedIp { get; set; }

    /// <summary>
    /// adonet clustering: the address the silo and gateway ports listen on; empty: the advertised address only. "0.0.0.0" (or "::")
    /// opens them on every interface. The gateway has no authentication: keep it on a private network.
    /// </summary>
    public string? ListenAddress { get; set; }

    /// <summary>When &gt; 0, each device advertises at most this many bytes (cases needing more go to other devices).</summary>
    [Range(0, long.MaxValue)]
    public long DeviceMemoryLimitBytes { get; set; }

    /// <summary>How often a running case renews its lease (a sweep's lease time bounds how long a dead worker holds a case).</summary>
    [Range(0.05, 3600)]
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>How long an idle worker waits before asking for work again.</summary>
    [Range(10, 60000)]
    public int IdlePollMilliseconds { get; set; } = 250;

    /// <summary>A device not heard from for this long is no longer counted as able to hold a case.</summary>
    [Range(1, 86400)]
    public double DeviceGoneSeconds { get; set; } = 30;
}
