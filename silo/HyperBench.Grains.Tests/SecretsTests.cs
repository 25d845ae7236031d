using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HyperBench.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.KeyPerFile;

namespace HyperBench.Grains.Tests;

/// <summary>Settings from secret files (HYPERBENCH_SECRETS_DIR, key per file), and passwords never printed (docs/security.md).</summary>
[Collection(ClusterCollection.Name)]
public sealed class SecretsTests
{
    private const string Password = "not-the-password-7f3a";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void SecretFolder_HyperBenchFiles_AreSettingsOverAppsettingsUnderEnvironment()
    {
        string folder = Directory.CreateTempSubdirectory("hyperbench-secrets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "HyperBench__Db"), "Host=db.internal;Password=" + Password + "\n");
            File.WriteAllText(Path.Combine(folder, "HyperBench__Tls__CertificatePassword"), "pfx-pw");
            File.WriteAllText(Path.Combine(folder, "postgres_password"), "not ours");
            var builder = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["HyperBench:Db"] = "from-appsettings.db", ["HyperBench:ServiceId"] = "team-a" })
                .AddEnvironmentVariables()
                .AddHyperBenchSecrets(folder);
            var configuration = builder.Build();

            Assert.Equal("Host=db.internal;Password=" + Password, configuration["HyperBench:Db"]);
            Assert.Equal("pfx-pw", configuration["HyperBench:Tls:CertificatePassword"]);
            Assert.Equal("team-a", configuration["HyperBench:ServiceId"]);
            Assert.Null(configuration["postgres_password"]);
            // Under the environment: the source sits just before the environment variables.
            int secrets = builder.Sources.ToList().FindIndex(s => s is KeyPerFileConfigurationSource);
            Assert.Equal(1, secrets);
            Assert.IsType<Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource>(builder.Sources[2]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void SecretFolder_Missing_IsInvalidNamingTheVariable()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            new ConfigurationBuilder().AddHyperBenchSecrets("/nonexistent/hyperbench-secrets"));

        Assert.Contains("HYPERBENCH_SECRETS_DIR = '/nonexistent/hyperbench-secrets'", ex.Message, StringComparison.Ordinal);
        Assert.Equal(ProcessExit.InvalidInput, ProcessExit.Classify(ex).Code);
    }

    [Fact]
    public void ProcessExit_MessageWithConnectionString_RedactsThePassword()
    {
        var (_, message) = ProcessExit.Classify(new InvalidOperationException($"cannot open 'Host=h;Username=u;Password={Password};Database=d' or postgresql://u:{Password}@h/d"));

        Assert.DoesNotContain(Password, message, StringComparison.Ordinal);
        Assert.Contains("Host=h", message, StringComparison.Ordinal);
    }

    /// <summary>The real silo process reads its database from a secret file; the login fails; the password is in none of its output.</summary>
    [Fact]
    public async Task SiloProcess_DbFromSecretFileWithWrongPassword_ExitsUnavailableWithoutPrintingIt()
    {
        string? admin = Environment.GetEnvironmentVariable("HYPERBENCH_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(admin))
        {
            if (Environment.GetEnvironmentVariable("HYPERBENCH_REQUIRE_POSTGRES") == "1") Assert.Fail("HYPERBENCH_TEST_POSTGRES is not set (HYPERBENCH_REQUIRE_POSTGRES=1)");
            Assert.Skip("PostgreSQL not configured: set HYPERBENCH_TEST_POSTGRES");
        }
        string folder = Directory.CreateTempSubdirectory("hyperbench-secrets-").FullName;
        string secrets = Directory.CreateDirectory(Path.Combine(folder, "secrets")).FullName;
        var wrong = new Npgsql.NpgsqlConnectionStringBuilder(admin) { Password = Password };
        File.WriteAllText(Path.Combine(secrets, "HyperBench__Db"), wrong.ConnectionString);
        try
        {
            string exe = Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo");
            var psi = new ProcessStartInfo(File.Exists(exe) ? exe : "dotnet")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            if (!File.Exists(exe)) psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HyperBench.Silo.dll"));
            psi.Environment.Remove("HYPERBENCH__DB");
            psi.Environment["HYPERBENCH_SECRETS_DIR"] = secrets;
            psi.Environment["HYPERBENCH__DEVICES"] = "cpu";
            psi.Environment["HYPERBENCH__SILOPORT"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
            psi.Environment["HYPERBENCH__GATEWAYPORT"] = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
            psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{LoopbackPorts.Free()}";
            using var silo = Process.Start(psi)!;
            var output = Task.WhenAll(silo.StandardOutput.ReadToEndAsync(Ct), silo.StandardError.ReadToEndAsync(Ct));
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            bound.CancelAfter(TimeSpan.FromSeconds(90));
            try
            {
                await silo.WaitForExitAsync(bound.Token);
            }
            finally
            {
                if (!silo.HasExited) silo.Kill(entireProcessTree: true);
            }
            string text = string.Concat(await output);

            Assert.True(silo.ExitCode == ProcessExit.Unavailable, $"exit {silo.ExitCode}: {text}");
            Assert.Contains("password authentication failed", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
