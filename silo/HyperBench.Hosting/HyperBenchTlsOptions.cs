namespace HyperBench.Hosting;

/// <summary>
/// Section "HyperBench:Tls": TLS on the silo-to-silo and client-to-gateway connections (Microsoft.Orleans.Connections.Security). Off
/// unless <see cref="CertificatePath"/> is set; required whenever a silo or gateway listens beyond loopback (docs/security.md).
/// A peer is trusted when its certificate chains to <see cref="CaPath"/> or its thumbprint is in <see cref="AllowedThumbprints"/>;
/// host names are not checked (silos reach each other by IP address), the issuer is.
/// </summary>
public sealed class HyperBenchTlsOptions
{
    /// <summary>This process's certificate with its private key: a PKCS#12 file (.pfx, .p12) or a PEM certificate (key in <see cref="KeyPath"/> or in the same file). Empty: TLS off.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>, when it is in a file of its own.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of the PKCS#12 file or of an encrypted PEM key: a secret (environment variable or secret file, never appsettings.json in a repository).</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>A PEM (or DER) file of the certificate authority whose certificates are trusted.</summary>
    public string? CaPath { get; set; }

    /// <summary>SHA-1 thumbprints (hex, comma-separated) of certificates trusted whatever their issuer: for self-signed ones.</summary>
    public string? AllowedThumbprints { get; set; }

    /// <summary>A silo refuses a client (or silo) without a trusted certificate. Default true; false lets clients connect without one.</summary>
    public bool RequireClientCertificate { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
