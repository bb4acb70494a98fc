using System.Text;
using BackupTools.Engines;
using BackupTools.Stores;

namespace BackupTools.Configuration;

/// <summary>
/// Reads and checks configuration files (docs/configuration.md). <see cref="Load"/> is what every command with
/// -ConfigPath/--config uses; <see cref="Validate"/> is Test-BackupConfig / <c>backuptools config test</c>: it reports
/// every problem with its line and column, and can also check secrets, referenced files and (online) destinations and sources.
/// </summary>
public static class BackupConfigLoader
{
    /// <summary>
    /// The configuration in <paramref name="path"/>, defaults applied and names resolved. Throws ConfigFileNotFound, or
    /// ConfigFileInvalid whose message lists every problem as <c>path:line:column: message</c>. Secrets stay references
    /// and referenced files are not opened (that happens when a request is built, or in <see cref="Validate"/>).
    /// </summary>
    public static BackupConfig Load(string path)
    {
        var full = FullPath(path);
        var (config, reader) = ConfigReader.Read(full, ReadText(full));
        if (config is null)
        {
            var errors = reader.Problems.Where(p => p.Severity == ConfigProblemSeverity.Error).OrderBy(p => p.Line).ThenBy(p => p.Column).ToList();
            var lines = string.Join(Environment.NewLine, errors.Select(p => $"  {p.Location}: {p.Message}"));
            throw new BackupToolsException(ErrorIds.ConfigFileInvalid, ErrorKind.InvalidArgument,
                $"Configuration file '{full}' has {errors.Count} problem{(errors.Count == 1 ? "" : "s")}:{Environment.NewLine}{lines}{Environment.NewLine}" +
                "Fix them (Test-BackupConfig / backuptools config test lists them with warnings).", full);
        }
        return config;
    }

    /// <summary>
    /// Every problem of the file at <paramref name="path"/> (it does not stop at the first): its content, then (by
    /// default) whether secrets resolve and referenced files exist, then with <see cref="ConfigValidationOptions.Online"/>
    /// whether destinations and sources are reachable. Throws ConfigFileNotFound when the file does not exist.
    /// </summary>
    public static ConfigValidationReport Validate(string path, ConfigValidationOptions? options = null) =>
        ValidateAsync(path, options, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Validate"/>
    public static async Task<ConfigValidationReport> ValidateAsync(string path, ConfigValidationOptions? options, CancellationToken ct)
    {
        options ??= ConfigValidationOptions.Default;
        var full = FullPath(path);
        var (config, reader) = ConfigReader.Read(full, ReadText(full));
        var problems = new List<ConfigProblem>(reader.Problems);
        var secrets = options.Secrets ?? SecretResolver.Default;
        if (options.CheckEnvironment)
        {
            CheckSecrets(reader, secrets, problems);
            CheckFiles(reader, problems);
        }
        if (options.Online && config is not null)
            await CheckOnlineAsync(config, secrets, problems, ct).ConfigureAwait(false);
        return new ConfigValidationReport
        {
            Path = full,
            Problems = problems.OrderBy(p => p.Line).ThenBy(p => p.Column).ToList(),
            Databases = reader.DatabaseNames.ToList(),
            Destinations = reader.DestinationNames.ToList(),
            Online = options.Online,
            Config = config,
        };
    }

    /// <summary>Checks text that is not (yet) in a file, as if it were at <paramref name="path"/> (relative paths are taken from its folder).</summary>
    internal static (BackupConfig? Config, IReadOnlyList<ConfigProblem> Problems) Parse(string text, string path)
    {
        var (config, reader) = ConfigReader.Read(Path.GetFullPath(path), text);
        return (config, reader.Problems);
    }

    private static string FullPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new BackupToolsException(ErrorIds.ConfigFileNotFound, ErrorKind.ObjectNotFound,
                "No configuration file was given. Pass -ConfigPath (CLI --config) or set " + ConfigFileLocator.EnvironmentVariable + ".", path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new BackupToolsException(ErrorIds.ConfigFileNotFound, ErrorKind.ObjectNotFound,
                $"'{full}' is a folder, not a configuration file. Give the path of the YAML file.", full);
        if (!File.Exists(full))
            throw new BackupToolsException(ErrorIds.ConfigFileNotFound, ErrorKind.ObjectNotFound,
                $"Configuration file '{full}' does not exist.", full);
        return full;
    }

    private static string ReadText(string full)
    {
        try
        {
            return File.ReadAllText(full, new UTF8Encoding(false, throwOnInvalidBytes: true));
        }
        catch (DecoderFallbackException ex)
        {
            throw new BackupToolsException(ErrorIds.ConfigFileInvalid, ErrorKind.InvalidArgument,
                $"Configuration file '{full}' is not UTF-8 text. Save it as UTF-8.", full, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BackupToolsException(ErrorIds.ConfigFileNotFound, ErrorKind.PermissionDenied,
                $"Configuration file '{full}' cannot be read: {ex.Message}", full, ex);
        }
    }

    private static void CheckSecrets(ConfigReader reader, SecretResolver secrets, List<ConfigProblem> problems)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var (reference, key, purpose) in reader.Secrets)
        {
            if (!seen.Add((reference.ToString(), key))) continue;
            try
            {
                // The value is dropped at once: only whether it resolves matters here.
                _ = secrets.Resolve(reference, purpose);
            }
            catch (BackupToolsException ex)
            {
                problems.Add(Problem(reader.FilePath, reference.Position, key, ex.ErrorId, ex.Message));
            }
        }
    }

    private static void CheckFiles(ConfigReader reader, List<ConfigProblem> problems)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var (file, key, position, what, isAssertionFile) in reader.Files)
        {
            if (!seen.Add((file, key))) continue;
            if (!File.Exists(file))
            {
                problems.Add(Problem(reader.FilePath, position, key, ErrorIds.ConfigFileInvalid, $"{what} '{file}' does not exist"));
                continue;
            }
            if (!isAssertionFile) continue;
            try
            {
                // Read now so that a broken assertion file shows here, not at the first drill.
                _ = Operations.DrillAssertions.Load(file);
            }
            catch (BackupToolsException ex)
            {
                problems.Add(Problem(reader.FilePath, position, key, ex.ErrorId, ex.Message));
            }
        }
    }

    private static async Task CheckOnlineAsync(BackupConfig config, SecretResolver secrets, List<ConfigProblem> problems, CancellationToken ct)
    {
        var path = config.FilePath;
        // Named destinations, then the copy destinations written inline under a database's copies:.
        var inline = config.Databases.SelectMany(db => db.Copies.Select((c, i) => (c.Destination, Key: $"databases.{db.Name}.copies[{i}].destination")))
            .Where(x => !config.Destinations.Values.Contains(x.Destination));
        foreach (var (destination, key) in config.Destinations.Values.Select(d => (d, $"destinations.{d.Name}")).Concat(inline))
        {
            try
            {
                await CheckDestinationAsync(destination, secrets, ct).ConfigureAwait(false);
            }
            catch (BackupToolsException ex)
            {
                problems.Add(Problem(path, destination.Position, key, ex.ErrorId, $"destination '{destination.Name}': {ex.Message}"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problems.Add(Problem(path, destination.Position, key, ErrorIds.DestinationNotWritable,
                    $"destination '{destination.Name}' ({destination.Location}) cannot be written: {ex.Message}"));
            }
        }
        foreach (var profile in config.Databases)
        {
            var key = $"databases.{profile.Name}";
            try
            {
                var engine = EngineRegistry.ForSource(profile.Source, profile.Engine);
                await engine.ValidateSourceAsync(profile.Source, new ProfileRequests(profile, secrets).Engine(), ct).ConfigureAwait(false);
            }
            catch (BackupToolsException ex)
            {
                problems.Add(Problem(path, profile.Position, key, ex.ErrorId, $"database '{profile.Name}': {ex.Message}"));
            }
        }
    }

    /// <summary>
    /// A local folder must exist and take a file (a probe file is created and removed); an S3 destination must list
    /// (bucket exists, credentials accepted).
    /// </summary>
    private static async Task CheckDestinationAsync(DestinationConfig destination, SecretResolver secrets, CancellationToken ct)
    {
        await using var store = StoreFactory.OpenDestination(destination.Location, ProfileRequests.StoreFor(destination, secrets));
        if (store is LocalFolderStore local)
        {
            if (File.Exists(local.Root))
                throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                    $"'{local.Root}' is a file, not a folder.", local.Root);
            _ = await store.ListDatabasesAsync(ct).ConfigureAwait(false); // DestinationNotFound when missing
            var probe = Path.Combine(local.Root, $".backuptools-probe-{Guid.NewGuid():N}");
            try
            {
                await File.WriteAllBytesAsync(probe, Array.Empty<byte>(), ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new BackupToolsException(ErrorIds.DestinationNotWritable, ErrorKind.WriteError,
                    $"Folder '{local.Root}' is not writable by this user ({ex.Message}). Fix its permissions or run as the backup user.", local.Root, ex);
            }
            finally
            {
                try { File.Delete(probe); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* best effort */ }
            }
            return;
        }
        _ = await store.ListDatabasesAsync(ct).ConfigureAwait(false);
    }

    private static ConfigProblem Problem(string path, ConfigPosition at, string key, string id, string message) => new()
    {
        Severity = ConfigProblemSeverity.Error,
        FilePath = path,
        Line = at.Line,
        Column = at.Column,
        Key = key,
        ErrorId = id,
        Message = message,
    };
}
