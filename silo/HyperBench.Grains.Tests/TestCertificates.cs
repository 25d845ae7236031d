using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HyperBench.Grains.Tests;

/// <summary>
/// Certificates made by the test, in a temp folder: a CA signing a silo certificate (PKCS#12 with a password) and a client
/// certificate (PEM certificate and key files), and a second, untrusted CA signing a client certificate of its own.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "pfx-secret-for-tests";

    private TestCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    public string CaPath => Path.Combine(Folder, "ca.pem");

    public string SiloPfxPath => Path.Combine(Folder, "silo.pfx");

    public string ClientCertPath => Path.Combine(Folder, "client.pem");

    public string ClientKeyPath => Path.Combine(Folder, "client.key");

    public string RogueClientPfxPath => Path.Combine(Folder, "rogue-client.pfx");

    public static TestCertificates Create()
    {
        var certificates = new TestCertificates(Directory.CreateTempSubdirectory("hyperbench-tls-").FullName);
        using var ca = Authority("CN=HyperBench test CA");
        File.WriteAllText(certificates.CaPath, ca.ExportCertificatePem());
        using (var silo = Issue(ca, "CN=hyperbench-silo"))
            File.WriteAllBytes(certificates.SiloPfxPath, silo.Export(X509ContentType.Pkcs12, PfxPassword));
        using (var client = Issue(ca, "CN=hyperbench-client"))
        {
            File.WriteAllText(certificates.ClientCertPath, client.ExportCertificatePem());
            File.WriteAllText(certificates.ClientKeyPath, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        }
        using var rogueCa = Authority("CN=Someone else's CA");
        using (var rogue = Issue(rogueCa, "CN=hyperbench-client"))
            File.WriteAllBytes(certificates.RogueClientPfxPath, rogue.Export(X509ContentType.Pkcs12, PfxPassword));
        return certificates;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    private static X509Certificate2 Authority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A leaf for both ends of a connection (a silo is a server to some peers and a client of others).</summary>
    private static X509Certificate2 Issue(X509Certificate2 authority, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // serverAuth, clientAuth
        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using var certificate = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return certificate.CopyWithPrivateKey(key);
    }
}
