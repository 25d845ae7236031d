using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;
using Orleans.Connections.Security;

namespace HyperBench.Hosting;

/// <summary>
/// TLS from <see cref="HyperBenchTlsOptions"/> (HyperBench:Tls), for silos and clients alike: this process's certificate, and a
/// peer trusted only when its certificate chains to the configured CA or its thumbprint is listed (never "accept anything").
/// </summary>
public static class TlsExtensions
{
    private const string Prefix = HyperBenchSettings.Section + ":Tls:";

    /// <summary>Silo-to-silo and gateway connections over TLS when HyperBench:Tls:CertificatePath is set; otherwise nothing changes.</summary>
    /// <exception cref="OptionsValidationException">A file cannot be read as a certificate, or the password is wrong (names the key, never the password).</exception>
    public static ISiloBuilder UseHyperBenchTls(this ISiloBuilder silo, HyperBenchTlsOptions options)
    {
        if (!options.Enabled) return silo;
        var certificate = LoadCertificate(options);
        var trust = new PeerTrust(options);
        return silo.UseTls(certificate, tls =>
        {
            // Governs every incoming connection, from silos and clients alike; a certificate presented is validated either way.
            tls.RemoteCertificateMode = options.RequireClientCertificate ? RemoteCertificateMode.RequireCertificate : RemoteCertificateMode.AllowCertificate;
            tls.RemoteCertificateValidation = trust.Validate;
        });
    }

    /// <summary>A client's connections to gateways over TLS, presenting its certificate, when HyperBench:Tls:CertificatePath is set.</summary>
    /// <exception cref="OptionsValidationException">A file cannot be read as a certificate, or the password is wrong.</exception>
    public static IClientBuilder UseHyperBenchTls(this IClientBuilder client, HyperBenchTlsOptions options)
    {
        if (!options.Enabled) return client;
        var certificate = LoadCertificate(options);
        var trust = new PeerTrust(options);
        return client.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = trust.Validate;
        });
    }

    /// <summary>The certificate with its private key, from a PKCS#12 file or PEM (certificate and key in one file or two).</summary>
    internal static X509Certificate2 LoadCertificate(HyperBenchTlsOptions options)
    {
        string path = options.CertificatePath!;
        try
        {
            string extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".pfx" or ".p12")
                return X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            string keyPath = string.IsNullOrWhiteSpace(options.KeyPath) ? path : options.KeyPath;
            using var pem = string.IsNullOrEmpty(options.CertificatePassword)
                ? X509Certificate2.CreateFromPemFile(path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(path, options.CertificatePassword, keyPath);
            // A PEM key is ephemeral; a PKCS#12 round trip gives SslStream a certificate whose key it can use on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The exception's own text never holds the password; ours names the keys to check.
            throw new OptionsValidationException(Prefix + "CertificatePath", typeof(HyperBenchTlsOptions),
                [$"{Prefix}CertificatePath = '{path}' cannot be loaded as a certificate with its private key ({ex.Message.TrimEnd('.')}); " +
                 $"check the file, {Prefix}KeyPath and {Prefix}CertificatePassword."]);
        }
    }

    /// <summary>The trust decision for a peer's certificate: the configured CA or thumbprints, whatever the machine's store says.</summary>
    internal sealed class PeerTrust
    {
        private readonly X509Certificate2? _authority;
        private readonly HashSet<string> _thumbprints;

        public PeerTrust(HyperBenchTlsOptions options)
        {
            _thumbprints = ParseThumbprints(options.AllowedThumbprints);
            if (string.IsNullOrWhiteSpace(options.CaPath)) return;
            try
            {
                _authority = X509CertificateLoader.LoadCertificateFromFile(options.CaPath);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new OptionsValidationException(Prefix + "CaPath", typeof(HyperBenchTlsOptions),
                    [$"{Prefix}CaPath = '{options.CaPath}' cannot be read as a certificate ({ex.Message.TrimEnd('.')})."]);
            }
        }

        /// <summary>True for a listed thumbprint, or a certificate that chains to the CA (in its validity period, not revoked-checked).</summary>
        public bool Validate(X509Certificate2 certificate, X509Chain? chain, SslPolicyErrors errors)
        {
            if (_thumbprints.Contains(certificate.Thumbprint)) return true;
            if (_authority is null) return false;
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.Add(_authority);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
                foreach (var element in chain.ChainElements.Skip(1)) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            return custom.Build(certificate) && custom.ChainElements[^1].Certificate.Thumbprint == _authority.Thumbprint;
        }

        internal static HashSet<string> ParseThumbprints(string? list) =>
            new((list ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => t.Replace(":", "", StringComparison.Ordinal).ToUpperInvariant()), StringComparer.Ordinal);
    }
}
