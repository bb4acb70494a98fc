using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using BackupTools.Util;

namespace BackupTools.Cli;

/// <summary>
/// Option factories shared by the verbs. Every cmdlet parameter becomes its kebab-case flag; values are parsed here
/// so that a bad duration, time or enum is a usage error (exit 2) carrying the engine's error id.
/// </summary>
internal static class CommonOptions
{
    /// <summary>Print each output object as one JSON line (PowerShell property names); errors also as JSON on stderr.</summary>
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print each output object as one JSON line on stdout (same property names as the cmdlet's objects).",
        Recursive = true,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Write verbose messages to stderr.",
        Recursive = true,
    };

    /// <summary>Append a log of the run (every message, error and result; JSON lines with --json) to a file. See docs/backup-plan.md#log-file.</summary>
    public static readonly Option<string?> LogFile = new("--log-file")
    {
        Description = "Append a log of the run to this file: one line per message, error and result, each with an RFC 3339 UTC time " +
                      "(JSON lines with --json). Created with mode 0640. For `run`, plan.logFile of the configuration file is the default.",
        Recursive = true,
    };

    public static Option<string> Text(string name, string description, bool required = false, params string[] aliases) =>
        new(name, aliases) { Description = description, Required = required };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A repeatable list: "--path a --path b", "--path a b", and for tags also "--tag a,b".</summary>
    public static Option<string[]> List(string name, string description, bool splitCommas = false, params string[] aliases) =>
        new(name, aliases)
        {
            Description = description,
            AllowMultipleArgumentsPerToken = true,
            CustomParser = splitCommas
                ? r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
                : r => r.Tokens.Select(t => t.Value).ToArray(),
        };

    public static Option<string?> Destination(bool required) =>
        Text("--destination", "The backup destination: a folder that holds <database>/<backupId>/ backups.", required)!;

    public static Option<string?> Database(string description = "Database name; wildcards * and ? allowed.") => Text("--database", description)!;

    /// <summary>-Path (alias -Location): backup folders, as in the Location property of list output.</summary>
    public static Option<string[]> Paths(string description = "Backup location(s): the folder holding manifest.json, as in the Location property of `list`.") =>
        List("--path", description, splitCommas: false, "--location");

    public static Option<string?> TempPath() =>
        Text("--temp-path", "Folder for temporary staging files (default: the system temp folder).")!;

    /// <summary>A TimeSpan written as d.hh:mm:ss or 90s/15m/36h/10d/2w (the engine's TimeSpanText).</summary>
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description + " Write d.hh:mm:ss or 90s, 15m, 36h, 10d, 2w.",
        CustomParser = r =>
        {
            var text = Single(r);
            if (TimeSpanText.TryParse(text, out var value)) return value;
            r.AddError(UsageError.Format(ErrorIds.DurationInvalid,
                $"'{text}' is not a duration for {name}. Write d.hh:mm:ss (e.g. 7.00:00:00) or a number with a unit: 90s, 15m, 36h, 10d, 2w."));
            return null;
        },
    };

    /// <summary>A point in time: ISO 8601 (2026-11-21, 2026-11-21T02:00:00Z); without an offset it is local time, as in PowerShell.</summary>
    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description + " ISO 8601, e.g. 2026-11-21 or 2026-11-21T02:00:00Z (local time without an offset).",
        CustomParser = r =>
        {
            var text = Single(r);
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var value)) return value;
            r.AddError($"'{text}' is not a date/time for {name}. Use ISO 8601, e.g. 2026-11-21 or 2026-11-21T02:00:00Z.");
            return null;
        },
    };

    /// <summary>An enum value in any case.</summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue) where T : struct, Enum => new(name)
    {
        Description = $"{description} One of {string.Join(", ", Enum.GetNames<T>())}.",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            var text = Single(r);
            if (Enum.TryParse<T>(text, ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(text, out _)) return value;
            r.AddError($"'{text}' is not a valid value for {name}; use one of {string.Join(", ", Enum.GetNames<T>())}.");
            return defaultValue;
        },
    };

    /// <summary>One of a fixed set of lower-case words, given in any case.</summary>
    public static Option<string?> Word(string name, string description, params string[] allowed) => new(name)
    {
        Description = $"{description} One of {string.Join(", ", allowed)}.",
        CustomParser = r =>
        {
            var text = Single(r).ToLowerInvariant();
            if (allowed.Contains(text, StringComparer.Ordinal)) return text;
            r.AddError($"'{Single(r)}' is not a valid value for {name}; use one of {string.Join(", ", allowed)}.");
            return null;
        },
    };

    /// <summary>A non-negative count (retention rules, compression level, seed).</summary>
    public static Option<int?> Number(string name, string description, int min = 0, int max = int.MaxValue, string errorId = UsageError.CommandLineInvalid) => new(name)
    {
        Description = description,
        CustomParser = r =>
        {
            var text = Single(r);
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
            r.AddError(UsageError.Format(errorId, $"'{text}' is not valid for {name}: give a whole number from {min}{(max == int.MaxValue ? " up" : " to " + max)}."));
            return null;
        },
    };

    private static string Single(ArgumentResult r) => r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
}
