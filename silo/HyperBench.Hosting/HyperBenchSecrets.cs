using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.KeyPerFile;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace HyperBench.Hosting;

/// <summary>
/// Settings from secret files, one per key (Docker and Kubernetes secrets): a file named <c>HyperBench__Db</c> holds HyperBench:Db,
/// <c>HyperBench__Tls__CertificatePassword</c> the certificate's password. The folder is HYPERBENCH_SECRETS_DIR, else /run/secrets
/// when it exists; only files whose names start with <c>HyperBench__</c> are read, so other secrets mounted there are not. Over
/// appsettings.json, under environment variables and the command line (docs/security.md). Used by the silo and the CLI alike.
/// </summary>
public static class HyperBenchSecrets
{
    public const string DirectoryVariable = "HYPERBENCH_SECRETS_DIR";

    /// <summary>Where Docker mounts secrets: read when it exists and HYPERBENCH_SECRETS_DIR is not set.</summary>
    public const string DefaultDirectory = "/run/secrets";

    private const string FilePrefix = HyperBenchSettings.Section + "__";

    /// <summary>Adds the secret files' source before the (unprefixed) environment variables, or last when there are none.</summary>
    /// <exception cref="OptionsValidationException">HYPERBENCH_SECRETS_DIR names a folder that does not exist (names it).</exception>
    public static IConfigurationBuilder AddHyperBenchSecrets(this IConfigurationBuilder builder) =>
        builder.AddHyperBenchSecrets(Environment.GetEnvironmentVariable(DirectoryVariable));

    /// <param name="configured">HYPERBENCH_SECRETS_DIR's value (tests pass it rather than set the process's environment).</param>
    internal static IConfigurationBuilder AddHyperBenchSecrets(this IConfigurationBuilder builder, string? configured)
    {
        string? folder = Folder(configured);
        if (folder is null) return builder;
        var source = new KeyPerFileConfigurationSource
        {
            FileProvider = new PhysicalFileProvider(folder),
            Optional = false,
            IgnoreCondition = name => !name.StartsWith(FilePrefix, StringComparison.OrdinalIgnoreCase),
        };
        int environment = builder.Sources.ToList().FindIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        if (environment < 0) builder.Sources.Add(source);
        else builder.Sources.Insert(environment, source);
        return builder;
    }

    /// <summary>The folder read, or null for none.</summary>
    private static string? Folder(string? configured)
    {
        if (string.IsNullOrWhiteSpace(configured)) return Directory.Exists(DefaultDirectory) ? DefaultDirectory : null;
        string full = Path.GetFullPath(configured);
        if (!Directory.Exists(full))
            throw new OptionsValidationException(DirectoryVariable, typeof(HyperBenchSiloOptions),
                [$"{DirectoryVariable} = '{configured}': no such folder (it holds one file per secret setting, e.g. HyperBench__Db)."]);
        return full;
    }
}
