using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BackupTools.Commands.Infrastructure;

namespace BackupTools.Commands.Completers;

/// <summary>
/// What the completers share: the word typed so far as a prefix, the values of other parameters already on the
/// command line, paths relative to PowerShell's current location, and a hard time limit. A completer never throws
/// and never blocks the prompt for long: whatever fails (no file, no bucket, no network) completes nothing.
/// </summary>
internal static class Completion
{
    /// <summary>How long a completer may read a destination or a configuration file (S3 can hang on a bad endpoint).</summary>
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);

    /// <summary>The candidates that start with what was typed (wildcards allowed, any case), quoted where needed, sorted.</summary>
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> candidates, string? wordToComplete, string? tooltip = null)
    {
        var typed = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
        return candidates
            .Where(c => !string.IsNullOrEmpty(c) && pattern.IsMatch(c))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(c => new CompletionResult(Quote(c), c, CompletionResultType.ParameterValue, tooltip ?? c))
            .ToList();
    }

    /// <summary>Runs <paramref name="read"/> within the time limit; any failure or timeout gives no candidates.</summary>
    public static IReadOnlyList<string> Read(Func<CancellationToken, Task<IReadOnlyList<string>>> read)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeLimit);
            var task = Task.Run(() => read(cts.Token), cts.Token);
            return task.Wait(TimeLimit) ? task.Result : Array.Empty<string>();
        }
        catch (Exception)
        {
            // Completion is a convenience: a broken file or an unreachable store must not surface at the prompt.
            return Array.Empty<string>();
        }
    }

    /// <summary>A parameter's value as typed on the command line (literal values only; PowerShell evaluates safe expressions).</summary>
    public static string? Bound(IDictionary fakeBoundParameters, string name)
    {
        var value = fakeBoundParameters.Contains(name) ? fakeBoundParameters[name] : null;
        if (value is PSObject ps) value = ps.BaseObject;
        return value switch
        {
            string s when !string.IsNullOrWhiteSpace(s) => s,
            SwitchParameter sw => sw.IsPresent.ToString(),
            bool b => b.ToString(),
            _ => null,
        };
    }

    /// <summary>A path as the cmdlet will resolve it: relative to PowerShell's current location; URIs (s3://) unchanged.</summary>
    public static string? ResolvePath(string? path)
    {
        if (path is null) return null;
        try
        {
            // The completer runs on the pipeline thread of the runspace that completes, so this is its session state.
            var state = ScriptBlock.Create("$ExecutionContext.SessionState").Invoke().FirstOrDefault()?.BaseObject as SessionState;
            return state is null ? path : SessionPaths.Resolve(state, path);
        }
        catch (Exception ex) when (ex is RuntimeException or ArgumentException or NotSupportedException)
        {
            return path;
        }
    }

    private static string Quote(string value) =>
        value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '@', '#', '|' }) < 0
            ? value
            : "'" + CodeGeneration.EscapeSingleQuotedStringContent(value) + "'";
}

/// <summary>-Profile (and Invoke-BackupPlan's -Database): the database names of the configuration file in -ConfigPath, else the one the engine locates.</summary>
internal sealed class ProfileNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Matching(ConfigDatabases(fakeBoundParameters), wordToComplete, "a database of the configuration file");

    /// <summary>The names, also from a file with errors in it (only checked, never resolved: no secret is read).</summary>
    internal static IReadOnlyList<string> ConfigDatabases(IDictionary fakeBoundParameters)
    {
        var given = Completion.ResolvePath(Completion.Bound(fakeBoundParameters, "ConfigPath"));
        return Completion.Read(_ =>
        {
            var path = Configuration.ConfigFileLocator.Locate(given);
            var report = Configuration.BackupConfigLoader.Validate(path, new Configuration.ConfigValidationOptions { CheckEnvironment = false });
            return Task.FromResult(report.Databases);
        });
    }
}

/// <summary>
/// -Database: the database folders in the destination given by -Destination (a folder or s3://, with the -S3*
/// parameters typed so far); without -Destination, the database names of the configuration file.
/// </summary>
internal sealed class DatabaseNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var destination = Completion.ResolvePath(Completion.Bound(fakeBoundParameters, "Destination"));
        if (destination is null)
            return Completion.Matching(ProfileNameCompleter.ConfigDatabases(fakeBoundParameters), wordToComplete, "a database of the configuration file");
        var options = new Stores.StoreOptions
        {
            S3Endpoint = Completion.Bound(fakeBoundParameters, "S3Endpoint"),
            S3Region = Completion.Bound(fakeBoundParameters, "S3Region"),
            S3ForcePathStyle = bool.TryParse(Completion.Bound(fakeBoundParameters, "S3ForcePathStyle"), out var pathStyle) ? pathStyle : null,
            Profile = Completion.Bound(fakeBoundParameters, "S3Profile"),
        };
        var names = Completion.Read(async ct =>
        {
            await using var store = Stores.StoreFactory.OpenDestination(destination, options);
            return await store.ListDatabasesAsync(ct).ConfigureAwait(false);
        });
        return Completion.Matching(names, wordToComplete, $"a database with backups in {destination}");
    }
}

/// <summary>-Engine: the engines this version supports.</summary>
internal sealed class EngineNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        Completion.Matching(Engines.EngineRegistry.Names, wordToComplete, "a database engine");
}

/// <summary>-TimeZone: the system's time zone ids (IANA on Linux and macOS, Windows ids on Windows) and their other form where known.</summary>
internal sealed class TimeZoneCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var ids = new List<string> { "UTC" };
        foreach (var zone in TimeZoneInfo.GetSystemTimeZones())
        {
            ids.Add(zone.Id);
            // Either form is accepted (RetentionPolicy.ParseTimeZone), so offer both.
            if (zone.HasIanaId && TimeZoneInfo.TryConvertIanaIdToWindowsId(zone.Id, out var windows)) ids.Add(windows);
            else if (!zone.HasIanaId && TimeZoneInfo.TryConvertWindowsIdToIanaId(zone.Id, out var iana)) ids.Add(iana);
        }
        return Completion.Matching(ids, wordToComplete, "a time zone id");
    }
}
