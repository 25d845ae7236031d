using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HyperBench.Storage;

/// <summary>
/// Builds the store from one configuration value: a SQLite file (<c>results.db</c>, <c>sqlite:results.db</c>,
/// <c>Data Source=results.db</c>) or PostgreSQL (<c>Host=h;Database=d;Username=u;Password=p</c> or
/// <c>postgres://u:p@h:5432/d</c>). Anything else is refused with a message naming the value (password masked).
/// </summary>
public static partial class SweepStoreFactory
{
    private const string Expected =
        "expected a SQLite file (a path, sqlite:PATH or Data Source=PATH) or a PostgreSQL connection string " +
        "(Host=HOST;Database=DB;Username=USER;Password=... or postgres://USER:PASSWORD@HOST:PORT/DB)";

    /// <summary>Creates the store; call <see cref="ISweepStore.MigrateAsync"/> before use.</summary>
    public static SqlSweepStore Create(string db, ILoggerFactory? loggerFactory = null, SweepStoreOptions? options = null) =>
        new(CreateDialect(db), options, loggerFactory);

    /// <summary>
    /// Opens an existing store for reading only: no directory, file, schema or migration is created. A SQLite file is opened with
    /// Mode=ReadOnly; either database must already hold the HyperBench schema.
    /// </summary>
    /// <exception cref="InvalidStoreException">The file is missing, is not SQLite, or the database has no HyperBench schema.</exception>
    /// <exception cref="StorageUnavailableException">The server could not be reached (after the retry window) or refused the login.</exception>
    public static async Task<SqlSweepStore> OpenReadOnlyAsync(string db, ILoggerFactory? loggerFactory = null, SweepStoreOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var store = new SqlSweepStore(CreateDialect(db, readOnly: true), options, loggerFactory);
        try
        {
            await store.EnsureSchemaAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Checks a database value as <see cref="Create"/> would, creating nothing (for settings validated at start).</summary>
    /// <exception cref="ArgumentException">The value is neither SQLite nor PostgreSQL (names it, password masked).</exception>
    /// <exception cref="InvalidStoreException">The SQLite path is a directory, under a file, or a file that is not SQLite.</exception>
    public static void Check(string db)
    {
        if (SqliteFilePath(db) is { } file)
        {
            if (string.IsNullOrWhiteSpace(file)) throw Bad(db, "no file path");
            if (file != ":memory:") SqliteDialect.CheckFile(file, mustExist: false);
            return;
        }
        // PostgreSQL or refused: parsing the connection string opens nothing.
        var dialect = CreateDialect(db);
        dialect.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    internal static StoreDialect CreateDialect(string db, bool readOnly = false)
    {
        string value = (db ?? "").Trim();
        if (value.Length == 0)
            throw new ArgumentException($"database '' is empty: {Expected}.", nameof(db));
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
            return SqliteFile(value["sqlite:".Length..], value, readOnly);
        if (value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
            return new PostgresDialect(FromUri(value));
        if (value.Contains("://", StringComparison.Ordinal))
            throw Bad(value, "unknown scheme");
        if (value.Contains('=', StringComparison.Ordinal))
        {
            var keys = new DbConnectionStringBuilder();
            try
            {
                keys.ConnectionString = value;
            }
            catch (ArgumentException e)
            {
                throw Bad(value, e.Message);
            }
            if (keys.ContainsKey("Host") || keys.ContainsKey("Server"))
            {
                try
                {
                    return new PostgresDialect(value);
                }
                catch (ArgumentException e) when (e.ParamName != "connectionString")
                {
                    throw Bad(value, e.Message);
                }
            }
            if (keys.ContainsKey("Data Source") || keys.ContainsKey("DataSource") || keys.ContainsKey("Filename"))
            {
                try
                {
                    return new SqliteDialect(value, readOnly);
                }
                catch (ArgumentException e) when (e.ParamName != "connectionString")
                {
                    throw Bad(value, e.Message);
                }
            }
            throw Bad(value, "neither Host= nor Data Source= is given");
        }
        return SqliteFile(value, value, readOnly);
    }

    /// <summary>
    /// The file a SQLite value names, or null for PostgreSQL (or a value <see cref="Create"/> would refuse). Creates nothing:
    /// readers use it to refuse an absent database instead of creating an empty one.
    /// </summary>
    public static string? SqliteFilePath(string db)
    {
        string value = (db ?? "").Trim();
        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase)) return value["sqlite:".Length..].Trim();
        if (value.Length == 0 || value.Contains("://", StringComparison.Ordinal)) return null;
        if (!value.Contains('=', StringComparison.Ordinal)) return value;
        try
        {
            var keys = new DbConnectionStringBuilder { ConnectionString = value };
            if (keys.ContainsKey("Host") || keys.ContainsKey("Server")) return null;
            return new SqliteConnectionStringBuilder(value).DataSource is { Length: > 0 } path ? path : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The value with passwords masked, for messages and logs.</summary>
    public static string Redact(string value) =>
        UriPassword().Replace(KeyPassword().Replace(value, "$1=***"), "://$1:***@");

    private static SqliteDialect SqliteFile(string path, string original, bool readOnly)
    {
        if (string.IsNullOrWhiteSpace(path)) throw Bad(original, "no file path");
        return new SqliteDialect(new SqliteConnectionStringBuilder { DataSource = path.Trim() }.ToString(), readOnly);
    }

    private static string FromUri(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw Bad(value, "not a valid URI");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host, Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port };
        string database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length > 0) builder.Database = database;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2) builder.Password = Uri.UnescapeDataString(parts[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            string key = Uri.UnescapeDataString(kv[0]);
            string keyword = key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode"
                : key.Equals("application_name", StringComparison.OrdinalIgnoreCase) ? "Application Name" : key;
            try
            {
                builder[keyword] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            }
            catch (ArgumentException e)
            {
                throw Bad(value, $"query parameter '{key}': {e.Message}");
            }
        }
        return builder.ConnectionString;
    }

    private static ArgumentException Bad(string db, string why) =>
        new($"database '{Redact(db)}' is not usable ({why}): {Expected}.", nameof(db));

    [GeneratedRegex(@"(?i)\b(password|pwd)\s*=\s*[^;]*")]
    private static partial Regex KeyPassword();

    [GeneratedRegex(@"://([^:/@]*):([^@/]*)@")]
    private static partial Regex UriPassword();
}
