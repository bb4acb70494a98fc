namespace BackupTools;

/// <summary>
/// Error classes, named exactly like the members of PowerShell's ErrorCategory they map to, so the
/// cmdlets can translate without the engine referencing PowerShell.
/// </summary>
public enum ErrorKind
{
    InvalidArgument,
    ObjectNotFound,
    InvalidData,
    ReadError,
    WriteError,
    PermissionDenied,
    ResourceExists,
    ResourceUnavailable,
    NotInstalled,
    InvalidOperation,
    OperationStopped,
    NotImplemented,
    AuthenticationError,
    ConnectionError,
    OperationTimeout,
}
