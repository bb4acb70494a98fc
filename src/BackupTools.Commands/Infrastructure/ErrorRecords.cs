using System.Management.Automation;

namespace BackupTools.Commands.Infrastructure;

/// <summary>Turns engine failures into PowerShell error records: the engine's error id, its class as ErrorCategory, its target.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(BackupToolsException ex) =>
        new(ex, ex.ErrorId, CategoryOf(ex.Kind), ex.Target);

    /// <summary>A check that failed without an exception (an integrity result or drill report that did not pass).</summary>
    public static ErrorRecord CheckFailed(string errorId, string message, object? target) =>
        From(new BackupToolsException(errorId, ErrorKind.InvalidData, message, target));

    /// <summary>ErrorKind members are named after ErrorCategory members, so the name is the mapping.</summary>
    public static ErrorCategory CategoryOf(ErrorKind kind) =>
        Enum.TryParse<ErrorCategory>(kind.ToString(), ignoreCase: false, out var category) ? category : ErrorCategory.NotSpecified;
}
