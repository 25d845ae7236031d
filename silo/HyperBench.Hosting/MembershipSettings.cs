using System.Globalization;
using Orleans.Configuration;

namespace HyperBench.Hosting;

/// <summary>
/// How fast an ADO.NET cluster notices a dead silo (HyperBench:Membership:*), bound to Orleans' <see cref="ClusterMembershipOptions"/>.
/// Shortened from Orleans' defaults so that a killed silo's leases go back in seconds, not a quarter of a minute; docs/fleet.md has
/// the measured times. Localhost clustering (one machine, development) keeps Orleans' defaults.
/// </summary>
public sealed class MembershipSettings
{
    public const string Section = HyperBenchSettings.Section + ":Membership";

    /// <summary>How long one probe of another silo may take before it counts as missed (Orleans: 5 s).</summary>
    public double ProbeTimeoutSeconds { get; set; } = 1;

    /// <summary>Missed probes in a row before the prober suspects the silo (Orleans: 3).</summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// Suspicions (from different silos) needed to declare a silo dead (Orleans: 2). Orleans asks for at most half the active silos
    /// (rounded up), so with two silos one vote is enough; with three or more two probers must agree, and one slow prober alone
    /// cannot evict a healthy silo.
    /// </summary>
    public int NumVotesForDeathDeclaration { get; set; } = 2;

    /// <summary>How long a suspicion counts toward a death declaration (Orleans: 120 s).</summary>
    public double DeathVoteExpirationSeconds { get; set; } = 10;

    /// <summary>How often a silo writes "I am alive" into the table, for silos that cannot probe it (Orleans: 30 s).</summary>
    public double IAmAliveTablePublishSeconds { get; set; } = 5;

    /// <summary>How often a silo re-reads the membership table (Orleans: 60 s); also how often a client re-reads its gateway list.</summary>
    public double TableRefreshSeconds { get; set; } = 2;

    /// <summary>The failures, each naming the key and the value (empty when every value is usable).</summary>
    public IEnumerable<string> Failures()
    {
        foreach (var (key, value, min, max) in new (string, double, double, double)[]
        {
            (nameof(ProbeTimeoutSeconds), ProbeTimeoutSeconds, 0.1, 600),
            (nameof(NumMissedProbesLimit), NumMissedProbesLimit, 1, 100),
            (nameof(NumVotesForDeathDeclaration), NumVotesForDeathDeclaration, 1, 100),
            (nameof(DeathVoteExpirationSeconds), DeathVoteExpirationSeconds, 1, 86400),
            (nameof(IAmAliveTablePublishSeconds), IAmAliveTablePublishSeconds, 0.5, 86400),
            (nameof(TableRefreshSeconds), TableRefreshSeconds, 0.5, 86400),
        })
        {
            if (!(value >= min && value <= max))
                yield return string.Create(CultureInfo.InvariantCulture, $"{Section}:{key} = '{value}' is out of range {min}..{max}.");
        }
        // A vote must outlive the probes that make the next one, or two probers never agree at the same time.
        if (DeathVoteExpirationSeconds < ProbeTimeoutSeconds * NumMissedProbesLimit * 2)
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{Section}:DeathVoteExpirationSeconds = '{DeathVoteExpirationSeconds}' is shorter than twice ProbeTimeoutSeconds x NumMissedProbesLimit " +
                $"({ProbeTimeoutSeconds * NumMissedProbesLimit * 2} s): votes would expire before a second silo could add its own.");
    }

    /// <summary>Orleans' membership options from these settings (silos of an ADO.NET cluster).</summary>
    public void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = TimeSpan.FromSeconds(ProbeTimeoutSeconds);
        options.NumMissedProbesLimit = NumMissedProbesLimit;
        options.NumVotesForDeathDeclaration = NumVotesForDeathDeclaration;
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(DeathVoteExpirationSeconds);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(IAmAliveTablePublishSeconds);
        options.TableRefreshTimeout = TimeSpan.FromSeconds(TableRefreshSeconds);
    }
}
