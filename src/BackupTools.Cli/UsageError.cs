using System.Reflection;

namespace BackupTools.Cli;

/// <summary>
/// Error ids inside text: option parsers prefix their parse errors with an engine error id ("DurationInvalid: ..."),
/// and failed integrity checks carry theirs in the check detail. Everything else the parser rejects is CommandLineInvalid.
/// </summary>
internal static class UsageError
{
    /// <summary>The id of a command line the parser rejected (unknown option, missing value, ...).</summary>
    public const string CommandLineInvalid = "CommandLineInvalid";

    private static readonly HashSet<string> KnownIds = typeof(ErrorIds)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToHashSet(StringComparer.Ordinal);

    public static string Format(string errorId, string message) => $"{errorId}: {message}";

    /// <summary>Splits "KnownId: message" into its id and message; otherwise (<paramref name="fallbackId"/>, text).</summary>
    public static (string Id, string Message) Split(string text, string fallbackId = CommandLineInvalid)
    {
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && KnownIds.Contains(text[..colon])) return (text[..colon], text[(colon + 2)..]);
        return (fallbackId, text);
    }
}
