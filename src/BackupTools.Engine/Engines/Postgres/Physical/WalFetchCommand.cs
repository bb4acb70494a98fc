using System.Text;
using BackupTools.Pipeline;
using BackupTools.Stores;

namespace BackupTools.Engines.Postgres.Physical;

/// <summary>
/// The restore_command of a restored cluster: `backuptools wal-fetch --destination D --database-name NAME %f %p`
/// with the absolute path of this BackupTools' CLI and the options the archive needs (S3 endpoint, keys). Secrets
/// never go into it: S3 credentials and passphrases reach wal-fetch through the server's environment or files.
/// </summary>
public static class WalFetchCommand
{
    /// <summary>Overrides how the CLI is started (e.g. "/opt/backuptools/backuptools" or "dotnet /opt/bt/backuptools.dll").</summary>
    public const string CliVariable = "BACKUPTOOLS_CLI";

    /// <summary>The command that starts this BackupTools' CLI, as words.</summary>
    public static IReadOnlyList<string> Cli()
    {
        var given = Environment.GetEnvironmentVariable(CliVariable);
        if (!string.IsNullOrWhiteSpace(given)) return given.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var here = AppContext.BaseDirectory;
        foreach (var folder in new[] { here, Path.GetDirectoryName(typeof(WalFetchCommand).Assembly.Location) ?? here })
        {
            var dll = Path.Combine(folder, "backuptools.dll");
            if (File.Exists(dll)) return new[] { DotnetHost(), dll };
        }
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "backuptools")).FirstOrDefault(File.Exists);
        return onPath is not null ? new[] { onPath }
            : throw new BackupToolsException(ErrorIds.RecoveryFailed, ErrorKind.NotInstalled,
                $"The backuptools command line (which the restored server runs as restore_command to fetch WAL) was not found beside this module or on PATH. " +
                $"Install it and set {CliVariable} to the command that starts it (e.g. /opt/backuptools/backuptools).", CliVariable);
    }

    private static string DotnetHost()
    {
        var process = Environment.ProcessPath;
        if (process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return process;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        var runtime = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        return File.Exists(Path.Combine(runtime, "dotnet")) ? Path.Combine(runtime, "dotnet") : "dotnet";
    }

    /// <summary>The restore_command for the WAL of <paramref name="database"/> in <paramref name="destination"/>.</summary>
    public static string Build(string destination, string database, StoreOptions store, EncryptionOptions encryption)
    {
        var words = new List<string>(Cli()) { "wal-fetch", "--destination", destination, "--database-name", database };
        if (store.S3Endpoint is { } endpoint) words.AddRange(new[] { "--s3-endpoint", endpoint });
        if (store.S3Region is { } region) words.AddRange(new[] { "--s3-region", region });
        if (store.S3ForcePathStyle == true) words.Add("--s3-force-path-style");
        if (store.Profile is { } profile) words.AddRange(new[] { "--s3-profile", profile });
        foreach (var key in encryption.PrivateKeys.Where(File.Exists)) words.AddRange(new[] { "--private-key", Path.GetFullPath(key) });
        if (encryption.PassphraseFile is { } file) words.AddRange(new[] { "--passphrase-file", Path.GetFullPath(file) });
        if (encryption.PassphraseEnvironmentVariable is { } variable) words.AddRange(new[] { "--passphrase-env", variable });
        // The CLI targets .NET 8 and runs on any newer runtime: said here too, as the server's environment is not the shell's.
        return "DOTNET_ROLL_FORWARD=Major " + string.Join(' ', words.Select(Quote)) + " %f %p";
    }

    /// <summary>
    /// The environment the restored server starts with: the allow-listed basics, the S3 and passphrase variables of this
    /// process, and S3 credentials given explicitly (-S3Credential), which wal-fetch can only read from its environment.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ServerEnvironment(StoreOptions store, EncryptionOptions encryption)
    {
        var env = Util.ChildEnvironment.Allowed(EnvironmentNames(encryption));
        if (store.AccessKeyId is { } key) env["AWS_ACCESS_KEY_ID"] = key;
        if (store.SecretAccessKey is { } secret) env["AWS_SECRET_ACCESS_KEY"] = secret;
        if (store.SessionToken is { } token) env["AWS_SESSION_TOKEN"] = token;
        return env;
    }

    private static IReadOnlyList<string> EnvironmentNames(EncryptionOptions encryption)
    {
        var names = new List<string>
        {
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
            "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL", "DOTNET_ROOT", "GNUPGHOME",
        };
        if (encryption.PassphraseEnvironmentVariable is { } v) names.Add(v);
        if (encryption.PrivateKeyPassphraseEnvironmentVariable is { } k) names.Add(k);
        return names;
    }

    /// <summary>A word for /bin/sh (PostgreSQL runs restore_command through the shell): single-quoted unless plainly safe.</summary>
    internal static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:@+,".Contains(c))) return word;
        var sb = new StringBuilder("'");
        foreach (var c in word) sb.Append(c == '\'' ? "'\\''" : c.ToString());
        return sb.Append('\'').ToString();
    }
}
