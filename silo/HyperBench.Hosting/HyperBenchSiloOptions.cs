using System.ComponentModel.DataAnnotations;

namespace HyperBench.Hosting;

/// <summary>
/// A silo's store and cluster settings: configuration section "HyperBench" (appsettings.json, HYPERBENCH__* environment variables,
/// command-line overrides), bound and validated by <see cref="HyperBenchSettings"/>; the device workers' settings of the same
/// section are <see cref="DeviceWorkerOptions"/>. Every key, its default and its variable: docs/configuration.md.
/// </summary>
public sealed class HyperBenchSiloOptions
{
    public const string Section = HyperBenchSettings.Section;

    /// <summary>
    /// The results database when none is set, for the silo and the `hyperbench` CLI alike: a SQLite file under the working directory
    /// (its folder is created with it), so a silo and a CLI started in the same folder share their results.
    /// </summary>
    public const string DefaultDb = "hyperbench-results/hyperbench.db";

    /// <summary>Where results go: a SQLite file (PATH, sqlite:PATH) or a PostgreSQL connection string.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Db { get; set; } = DefaultDb;

    /// <summary>"localhost" (one machine, development) or "adonet" (PostgreSQL membership table, <see cref="ClusteringConnectionString"/>).</summary>
    [Required(AllowEmptyStrings = false)]
    public string Clustering { get; set; } = "localhost";

    /// <summary>PostgreSQL connection string for Orleans' membership table (adonet clustering; a silo creates the tables from infra/sql/orleans/ when they are missing).</summary>
    public string? ClusteringConnectionString { get; set; }

    [Required(AllowEmptyStrings = false)]
    public string ClusterId { get; set; } = "hyperbench";

    /// <summary>
    /// The Orleans service id, and the owner of the sweeps and schedules this cluster creates: clusters sharing one database run only
    /// their own service's (docs/security.md).
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string ServiceId { get; set; } = Storage.SweepRow.DefaultServiceId;

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

    /// <summary>
    /// The standalone silo's HTTP listener (/metrics, /health): the address it listens on. Loopback by default, so a silo exposes
    /// nothing until asked; "0.0.0.0" for a Prometheus on another machine or container.
    /// </summary>
    [Required(AllowEmptyStrings = false)]
    public string MetricsAddress { get; set; } = "127.0.0.1";

    /// <summary>The port of <see cref="MetricsAddress"/> (9464, OpenTelemetry's Prometheus exporter port).</summary>
    [Range(1, 65535)]
    public int MetricsPort { get; set; } = 9464;

    /// <summary>TLS between silos and between clients and silos (section HyperBench:Tls); off by default.</summary>
    public HyperBenchTlsOptions Tls { get; set; } = new();

    /// <summary>A device not heard from for this long is no longer counted as able to hold a case.</summary>
    [Range(1, 86400)]
    public double DeviceGoneSeconds { get; set; } = 30;
}
