using System.Net;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>The silo's store and cluster settings, each failure naming the configuration key and the value.</summary>
public sealed class HyperBenchSiloOptionsValidator : IValidateOptions<HyperBenchSiloOptions>
{
    public ValidateOptionsResult Validate(string? name, HyperBenchSiloOptions options)
    {
        var failures = HyperBenchSettings.AnnotationFailures(options).ToList();
        const string prefix = HyperBenchSettings.Section + ":";
        if (options.Clustering is not ("localhost" or "adonet"))
            failures.Add($"{prefix}Clustering = '{options.Clustering}' is not known; use 'localhost' or 'adonet'.");
        if (options.Clustering == "adonet" && string.IsNullOrWhiteSpace(options.ClusteringConnectionString))
            failures.Add($"{prefix}ClusteringConnectionString is required when {prefix}Clustering is 'adonet' (a PostgreSQL connection string).");
        if (!string.IsNullOrWhiteSpace(options.AdvertisedIp) && !IPAddress.TryParse(options.AdvertisedIp, out _))
            failures.Add($"{prefix}AdvertisedIp = '{options.AdvertisedIp}' is not an IP address.");
        if (!string.IsNullOrWhiteSpace(options.ListenAddress) && !IPAddress.TryParse(options.ListenAddress, out _))
            failures.Add($"{prefix}ListenAddress = '{options.ListenAddress}' is not an IP address (e.g. 0.0.0.0 for every interface).");
        if (!string.IsNullOrWhiteSpace(options.PrimarySiloEndpoint) && !IPEndPoint.TryParse(options.PrimarySiloEndpoint, out _))
            failures.Add($"{prefix}PrimarySiloEndpoint = '{options.PrimarySiloEndpoint}' is not an IP endpoint (e.g. 127.0.0.1:11111).");
        if (!string.IsNullOrWhiteSpace(options.MetricsAddress) && !IPAddress.TryParse(options.MetricsAddress, out _))
            failures.Add($"{prefix}MetricsAddress = '{options.MetricsAddress}' is not an IP address (127.0.0.1, or 0.0.0.0 for every interface).");
        if (options.MetricsPort == options.SiloPort || options.MetricsPort == options.GatewayPort)
            failures.Add($"{prefix}MetricsPort = '{options.MetricsPort}' is also the silo or gateway port; it must differ.");
        if (options.SiloPort == options.GatewayPort)
            failures.Add($"{prefix}SiloPort and {prefix}GatewayPort are both {options.SiloPort}; they must differ.");
        failures.AddRange(TlsFailures(options.Tls, prefix + "Tls:"));
        if (!string.IsNullOrWhiteSpace(options.Db))
        {
            try
            {
                Storage.SweepStoreFactory.Check(options.Db);
            }
            catch (Exception ex) when (ex is ArgumentException or Storage.InvalidStoreException)
            {
                failures.Add($"{prefix}Db: {ex.Message.Split(" (Parameter", 2)[0]}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> TlsFailures(HyperBenchTlsOptions tls, string prefix)
    {
        bool anyFile = !string.IsNullOrWhiteSpace(tls.KeyPath) || !string.IsNullOrWhiteSpace(tls.CaPath);
        if (!tls.Enabled)
        {
            if (anyFile || !string.IsNullOrWhiteSpace(tls.AllowedThumbprints))
                yield return $"{prefix}CertificatePath is required when other {prefix}* settings are given (TLS is on only with a certificate).";
            yield break;
        }
        foreach (var (key, path) in new[] { ("CertificatePath", tls.CertificatePath), ("KeyPath", tls.KeyPath), ("CaPath", tls.CaPath) })
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
                yield return $"{prefix}{key} = '{path}': no such file.";
        if (string.IsNullOrWhiteSpace(tls.CaPath) && string.IsNullOrWhiteSpace(tls.AllowedThumbprints))
            yield return $"{prefix}CaPath or {prefix}AllowedThumbprints is required with {prefix}CertificatePath: which peers to trust (never any).";
        foreach (var thumbprint in TlsExtensions.PeerTrust.ParseThumbprints(tls.AllowedThumbprints))
            if (thumbprint.Length != 40 || !thumbprint.All(char.IsAsciiHexDigit))
                yield return $"{prefix}AllowedThumbprints: '{thumbprint}' is not a SHA-1 thumbprint (40 hex digits).";
    }
}
